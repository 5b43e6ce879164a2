"""Reconciliation proves the sub-ledger equals the journal's control accounts."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from contributions import accounting, batches, reconciliation, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, InsuredPerson, SuspenseItem

pytestmark = pytest.mark.django_db

STRANGER = "32010619850815441X"


@pytest.fixture
def busy_ledger():
    """A small nation, then every kind of posting: suspense, reinstatement, reversal, interest."""
    call_command("generate_nation", "--persons=150", "--seed=7", "--as-of=2025-06")
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(STRANGER, "2025-01", "flexible", Decimal("8000"))],
        source="test",
    )
    person, _ = services.person_upsert(id_number=STRANGER, name="赵敏", hukou_province="32")
    services.suspense_reinstate(item=SuspenseItem.objects.get(), person=person)
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(STRANGER, "2025-02", "flexible", Decimal("8000"))],
        source="test",
    )
    services.contribution_reverse(
        record=ContributionRecord.objects.get(person=person, month="2025-02-01"), reason="test"
    )
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow("110101199003071233", "2025-03", "flexible", Decimal("8000"))],
        source="test",
    )  # stays in suspense
    accounting.interest_post_year(year=2024)


def test_a_ledger_posted_through_the_services_reconciles_to_zero(busy_ledger):
    run = reconciliation.ledger_reconcile()
    assert run.discrepancies == 0
    results = list(run.results.all())
    assert len({r.province_id for r in results}) > 10
    assert all(r.difference == 0 for r in results)
    suspense = run.results.get(province_id="11", account="suspense")
    assert suspense.subledger_total == Decimal("1600.00")  # the one item not reinstated


def test_a_row_written_around_the_services_is_detected(busy_ledger):
    person = InsuredPerson.objects.order_by("pk").first()
    ContributionRecord.objects.create(
        person=person,
        province_id="44",
        scheme="flexible",
        month="2025-05-01",
        base=Decimal("5000"),
        pooling_part=Decimal("600.00"),
        account_part=Decimal("400.00"),
        kind="regular",
    )
    run = reconciliation.ledger_reconcile()
    assert run.discrepancies == 1
    [found] = run.results.exclude(difference=0)
    assert (found.province_id, found.account, found.difference) == (
        "44",
        "account_liability",
        Decimal("400.00"),
    )
