"""Properties of the ledger under arbitrary batches: whatever mix of valid, invalid and
unknown-person rows is posted, every province's books balance and reconcile."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions import batches, reconciliation, services
from contributions.batches import ContributionRow
from contributions.models import JournalLine
from contributions.services import BatchRejected

pytestmark = pytest.mark.django_db

KNOWN = ["110101199003071233", "11010519491231002X"]
UNKNOWN = ["32010619850815441X", "650102197001010034"]

rows = st.builds(
    ContributionRow,
    id_number=st.sampled_from(KNOWN + UNKNOWN + ["110101199003071234"]),
    month=st.sampled_from(["2024-01", "2024-02", "2024-03", "2025-01", "2025-13"]),
    scheme=st.just("flexible"),
    amount_base=st.decimals(min_value=6000, max_value=40000, places=2),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(rows, min_size=1, max_size=8), accept_partial=st.booleans())
def test_any_batch_leaves_every_province_balanced_and_reconciled(batch, accept_partial):
    for id_number in KNOWN:
        services.person_upsert(id_number=id_number, name="测试", hukou_province="11")
    try:
        batches.contribution_batch_post(
            province="11", rows=batch, source="property", accept_partial=accept_partial
        )
    except BatchRejected as rejected:
        assert rejected.errors
    per_entry = JournalLine.objects.values("entry", "province").annotate(total=Sum("amount"))
    assert all(row["total"] == Decimal("0.00") for row in per_entry)
    assert reconciliation.ledger_reconcile().discrepancies == 0
