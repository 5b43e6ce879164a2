"""The ledger's periodic tasks, run by a real worker on committed data."""

from decimal import Decimal

import pytest

from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import PersonalAccountEntry
from contributions.tasks import post_annual_interest, reconcile_ledger

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LI = "110101199003071233"


def test_the_worker_posts_interest_once_and_the_ledger_still_reconciles(celery_worker):
    services.person_upsert(id_number=LI, name="李强", hukou_province="41")
    batches.contribution_batch_post(
        province="11",
        rows=[
            ContributionRow(LI, f"2024-{m:02d}", "flexible", Decimal("8000")) for m in range(1, 13)
        ],
        source="test",
    )
    first = post_annual_interest.delay(2024).get(timeout=60)
    second = post_annual_interest.delay(2024).get(timeout=60)
    assert (first["accounts"], second["accounts"]) == (1, 0)
    assert PersonalAccountEntry.objects.get().amount == Decimal("108.99")
    assert reconcile_ledger.delay().get(timeout=60)["discrepancies"] == 0
