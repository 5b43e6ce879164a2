"""Writes that could race take their locks: two real connections, the second made to wait
on the first, which commits only once the second is seen waiting on a lock."""

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, connections, transaction

from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, Enrolment, SuspenseItem
from contributions.rules import Month
from contributions.services import LedgerError

# Reference data comes from migrations; serialized_rollback restores it after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT = 60  # seconds: generous, for a slow machine


def _waiting_on_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _race(first: Callable[[], object], second: Callable[[], object]) -> object:
    """Run `first` in a transaction held open until `second`, in another connection, waits
    on a lock (or has finished, when nothing made it wait); return what `second` gave."""
    started, outcome = threading.Event(), {}

    def run_second() -> None:
        try:
            outcome["pid"] = connection.cursor().connection.info.backend_pid
            started.set()
            outcome["value"] = second()
        except Exception as error:  # noqa: BLE001 (the test inspects it)
            outcome["value"] = error
        finally:
            close_old_connections()
            connection.close()

    with transaction.atomic():
        first()
        thread = threading.Thread(target=run_second)
        thread.start()
        assert started.wait(WAIT)
        deadline = time.monotonic() + WAIT
        while thread.is_alive() and not _waiting_on_a_lock(outcome["pid"]):
            assert time.monotonic() < deadline, "the second write neither waited nor ended"
            time.sleep(0.05)
    thread.join(WAIT)
    return outcome["value"]


def test_two_openings_for_one_person_queue_and_rk_01_refuses_the_second(li):
    Enrolment.objects.filter(person=li).delete()
    open_in = {
        province: (
            lambda province=province: services.enrolment_open(
                person=li, province=province, scheme="flexible", start_month=Month(2025, 1)
            )
        )
        for province in ("31", "44")
    }
    second = _race(open_in["31"], open_in["44"])
    assert isinstance(second, LedgerError) and second.code == "RK-01", second
    assert list(Enrolment.objects.values_list("province_id", flat=True)) == ["31"]


def test_a_reinstatement_waits_for_a_batch_of_its_province_and_sees_its_month():
    stranger = "11010519491231002X"
    batches.contribution_batch_post(
        province="31",
        rows=[ContributionRow(stranger, "2025-01", "flexible", Decimal("9000"))],
        source="test",
    )
    item = SuspenseItem.objects.get()
    person, _ = services.person_upsert(id_number=stranger, name="王芳", hukou_province="31")
    services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=Month(2025, 1)
    )

    def post_the_same_month() -> None:
        batches.contribution_batch_post(
            province="31",
            rows=[ContributionRow(stranger, "2025-01", "flexible", Decimal("9000"))],
            source="test",
        )

    second = _race(
        post_the_same_month, lambda: services.suspense_reinstate(item=item, person=person)
    )
    assert isinstance(second, LedgerError) and second.code == "duplicate_in_ledger", second
    assert ContributionRecord.objects.filter(person=person).count() == 1
