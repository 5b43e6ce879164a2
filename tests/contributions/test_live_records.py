"""One definition of a standing record (有效记录), in the ORM and in the detectors' SQL."""

from decimal import Decimal

import pytest
from django.db import connection

from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, live_sql
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("probed", [False, True])
def test_the_orm_and_the_sql_agree_on_what_stands(li, probed):
    batches.contribution_batch_post(
        province="31",
        rows=[
            ContributionRow(LI, month, "employee", Decimal("9000"), SH_UNIT)
            for month in ("2025-01", "2025-02", "2025-03")
        ],
        source="test",
    )
    first, second, _ = ContributionRecord.objects.order_by("month")
    services.contribution_reverse(record=first, reason="declared twice")
    services.contribution_reverse(record=second, reason="wrong base")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id FROM contributions_contributionrecord r "  # noqa: S608
            f"WHERE {live_sql('r', probed=probed)}"
        )
        in_sql = {row[0] for row in cursor.fetchall()}
    in_orm = set(ContributionRecord.objects.live().values_list("pk", flat=True))
    assert in_sql == in_orm
    assert len(in_orm) == 1  # two reversed, two reversals, one standing
