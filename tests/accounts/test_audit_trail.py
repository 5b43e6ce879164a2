"""The access log and the audit events are hash-chained in the database: a row edited or
deleted directly in SQL is found by `verify_audit` and the nightly task."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import AccessLog, AuditEvent
from accounts.services import api_client_create, api_key_revoke, audit_record, audit_verify
from accounts.tasks import verify_audit_trail

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(caseworkers):
    client, _ = api_client_create(province="31", name="chain")
    for key in client.keys.all():
        api_key_revoke(key=key)
    for n in range(3):
        audit_record(actor=None, action="test", subject=f"thing:{n}", detail={"n": n})
    return list(AuditEvent.objects.order_by("seq"))


def _sql(statement: str, table: str = "accounts_auditevent") -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(statement)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_the_chain_links_each_row_to_the_one_before(trail):
    assert [event.seq for event in trail] == [1, 2, 3, 4, 5]
    assert trail[0].prev_hash == "0" * 64
    assert all(
        after.prev_hash == before.hash for before, after in zip(trail, trail[1:], strict=False)
    )
    assert audit_verify() == []
    call_command("verify_audit")


def test_the_audit_trail_refuses_updates_and_deletes(trail):
    from django.db import IntegrityError, transaction

    for statement in (
        "UPDATE accounts_auditevent SET action = 'x'",
        "DELETE FROM accounts_auditevent",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


def test_an_edited_row_is_reported(trail):
    _sql("UPDATE accounts_auditevent SET detail = '{\"n\": 9}' WHERE seq = 4")
    [broken] = audit_verify()
    assert (broken.trail, broken.seq, broken.problem) == (
        "accounts_auditevent",
        4,
        "content changed",
    )
    with pytest.raises(CommandError):
        call_command("verify_audit")
    report = verify_audit_trail.apply().get()
    assert report["broken"] == [
        {"trail": "accounts_auditevent", "seq": 4, "problem": "content changed"}
    ]
    assert report["heads"]["accounts_auditevent"]["seq"] == 5


def test_an_edited_row_with_its_hash_made_again_breaks_the_next_link(trail):
    _sql(
        "UPDATE accounts_auditevent SET action = 'forged', "
        "hash = audit_row_hash(prev_hash, "
        """to_jsonb(accounts_auditevent) || '{"action": "forged"}') """
        "WHERE seq = 2"
    )
    [broken] = audit_verify()
    assert (broken.seq, broken.problem) == (3, "does not follow the row before it")


def test_a_deleted_row_is_reported(trail):
    _sql("DELETE FROM accounts_auditevent WHERE seq = 2")
    [broken] = audit_verify()
    assert (broken.seq, broken.problem) == (3, "missing rows before it")


def test_the_access_log_is_chained_too(li, shanghai_system):
    from tests.conftest import LI

    for _ in range(3):
        shanghai_system.get(f"/api/v1/persons/{LI}/")
    assert list(AccessLog.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    _sql("UPDATE accounts_accesslog SET purpose = 'nothing to see'", "accounts_accesslog")
    [broken] = audit_verify()
    assert (broken.trail, broken.seq) == ("accounts_accesslog", 1)
