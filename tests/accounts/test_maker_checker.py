"""Maker-checker (双人复核): a second, different user with the permission and the scope
decides; both decisions are in the audit trail."""

from decimal import Decimal

import pytest

from accounts.approvals import ApprovalError, change_decide, change_request
from accounts.models import AuditEvent, ChangeRequest, User
from contributions import batches
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db

Kind = ChangeRequest.Kind


@pytest.fixture
def record(li, caseworkers) -> ContributionRecord:
    batches.contribution_batch_post(
        province="31",
        rows=[ContributionRow(LI, "2025-01", "employee", Decimal("9000"), employer_uscc=SH_UNIT)],
        source="test",
    )
    return ContributionRecord.objects.get()


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _ask(record, username="shanghai") -> ChangeRequest:
    return change_request(
        kind=Kind.REVERSAL,
        subject=record,
        payload={"reason": "declared twice"},
        summary="reverse",
        by=_user(username),
    )


def test_a_second_caseworker_approves_and_the_service_runs(record):
    asked = _ask(record)
    assert not ContributionRecord.objects.filter(reversal_of=record).exists()
    decided = change_decide(request=asked, approve=True, by=_user("shanghai2"))
    assert decided.status == "approved"
    assert ContributionRecord.objects.filter(reversal_of=record, reason="declared twice").exists()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "actor"))
    maker, checker = _user("shanghai").pk, _user("shanghai2").pk
    assert actions == [("change_request", f"user:{maker}"), ("change_approved", f"user:{checker}")]


def test_the_maker_cannot_check_their_own_request(record):
    asked = _ask(record)
    with pytest.raises(ApprovalError, match="second person"):
        change_decide(request=asked, approve=True, by=_user("shanghai"))
    assert ChangeRequest.objects.get().status == "pending"


def test_the_database_refuses_a_request_decided_by_its_maker(record):
    from django.db import IntegrityError

    asked = _ask(record)
    with pytest.raises(IntegrityError):
        ChangeRequest.objects.filter(pk=asked.pk).update(
            status="approved", decided_by=asked.made_by
        )


@pytest.mark.parametrize("checker", ["guangdong", "weifang"])
def test_a_checker_without_the_scope_or_the_permission_cannot_decide(record, checker):
    asked = _ask(record)
    with pytest.raises(ApprovalError, match="may not"):
        change_decide(request=asked, approve=True, by=_user(checker))
    assert not ContributionRecord.objects.filter(reversal_of=record).exists()


@pytest.mark.parametrize("maker", ["guangdong", "weifang", "shanghai-admin"])
def test_a_maker_without_the_scope_or_the_permission_cannot_ask(record, maker):
    with pytest.raises(ApprovalError, match="may not"):
        _ask(record, maker)


def test_refusing_needs_a_note_and_changes_nothing(record):
    asked = _ask(record)
    with pytest.raises(ApprovalError, match="why"):
        change_decide(request=asked, approve=False, by=_user("shanghai2"), note=" ")
    refused = change_decide(
        request=asked, approve=False, by=_user("shanghai2"), note="not a double"
    )
    assert (refused.status, refused.note) == ("refused", "not a double")
    assert not ContributionRecord.objects.filter(reversal_of=record).exists()
    with pytest.raises(ApprovalError, match="already"):
        change_decide(request=refused, approve=True, by=_user("national"))


def test_one_pending_request_per_record(record):
    _ask(record)
    with pytest.raises(ApprovalError, match="already waiting"):
        _ask(record, "shanghai2")


def test_a_refusal_by_the_rules_is_recorded_as_failed(record):
    change_decide(request=_ask(record), approve=True, by=_user("shanghai2"))
    again = change_request(
        kind=Kind.REVERSAL, subject=record, payload={"reason": "again"}, summary="x",
        by=_user("shanghai"),
    )  # fmt: skip
    failed = change_decide(request=again, approve=True, by=_user("national"))
    assert failed.status == "failed"
    assert failed.outcome
    assert ContributionRecord.objects.filter(reversal_of=record).count() == 1


def test_a_county_caseworker_checks_a_request_for_a_person_of_the_county(record):
    """Pudong's caseworkers see the persons their agency handles, and decide for them."""
    from accounts.models import Agency
    from contributions.models import Enrolment

    Enrolment.objects.filter(person__id_number=LI).update(
        agency=Agency.objects.get(division_code="310115")
    )
    asked = _ask(record)
    assert change_decide(request=asked, approve=True, by=_user("pudong")).status == "approved"
