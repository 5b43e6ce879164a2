"""The database itself refuses what would corrupt the ledger; the balance check is deferred
to commit, so these tests commit for real (transaction=True)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, FundAccount, JournalEntry, JournalLine

# Reference data comes from migrations; serialized_rollback restores it after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def posted_record():
    person, _ = services.person_upsert(id_number=ID_NUMBER, name="王芳", hukou_province="11")
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(ID_NUMBER, "2025-03", "flexible", Decimal("8000"))],
        source="test",
    )
    return ContributionRecord.objects.get(person=person)


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_a_posted_contribution_cannot_be_updated_in_sql(posted_record):
    with pytest.raises(IntegrityError, match="append-only"):
        _sql(
            "UPDATE contributions_contributionrecord SET base = 1 WHERE id = %s",
            [posted_record.pk],
        )


def test_a_posted_contribution_cannot_be_deleted_in_sql(posted_record):
    with pytest.raises(IntegrityError, match="append-only"):
        _sql("DELETE FROM contributions_contributionrecord WHERE id = %s", [posted_record.pk])


@pytest.mark.parametrize("table", ["journalline", "journalentry"])
def test_journal_rows_cannot_be_changed_in_sql(posted_record, table):
    with pytest.raises(IntegrityError, match="append-only"):
        _sql(f"DELETE FROM contributions_{table}")  # noqa: S608  (fixed table names)


def test_an_unbalanced_journal_entry_cannot_commit():
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(event="adjustment", description="unbalanced")
        JournalLine.objects.create(
            entry=entry, province_id="31", account=FundAccount.POOLING_FUND, amount=Decimal("10")
        )
        JournalLine.objects.create(
            entry=entry, province_id="31", account=FundAccount.SUSPENSE, amount=Decimal("-9.99")
        )
    assert not JournalEntry.objects.filter(description="unbalanced").exists()


def test_an_entry_balanced_overall_but_not_within_each_province_cannot_commit():
    with pytest.raises(IntegrityError, match="province"), transaction.atomic():
        services.journal_post(
            event="adjustment",
            description="cross-province without clearing",
            lines=[
                ("31", FundAccount.POOLING_FUND, Decimal("10")),
                ("44", FundAccount.POOLING_FUND, Decimal("-10")),
            ],
        )


def test_an_entry_with_a_single_line_cannot_commit():
    with pytest.raises(IntegrityError, match="at least two"), transaction.atomic():
        entry = JournalEntry.objects.create(event="adjustment", description="one leg")
        JournalLine.objects.create(
            entry=entry, province_id="31", account=FundAccount.POOLING_FUND, amount=Decimal("1")
        )


def test_a_balanced_entry_commits():
    entry = services.journal_post(
        event="adjustment",
        description="balanced",
        lines=[
            ("31", FundAccount.RECEIPTS_IN_TRANSIT, Decimal("100.01")),
            ("31", FundAccount.POOLING_FUND, Decimal("-60.00")),
            ("31", FundAccount.ACCOUNT_LIABILITY, Decimal("-40.01")),
        ],
    )
    assert JournalLine.objects.filter(entry=entry).count() == 3


def test_a_reversal_without_a_reason_is_refused_by_the_database(posted_record):
    with pytest.raises(IntegrityError, match="contribution_reversal_points_back"):
        ContributionRecord.objects.create(
            person_id=posted_record.person_id,
            province_id="11",
            scheme="flexible",
            month=posted_record.month,
            base=-posted_record.base,
            pooling_part=-posted_record.pooling_part,
            account_part=-posted_record.account_part,
            kind="reversal",
            reversal_of=posted_record,
        )


def test_the_append_only_error_is_not_an_internal_error(posted_record):
    # The refusal is an integrity error the API can map to 409, not a crash.
    with pytest.raises(IntegrityError) as caught:
        _sql("UPDATE contributions_journalline SET amount = amount")
    assert not isinstance(caught.value, InternalError)
