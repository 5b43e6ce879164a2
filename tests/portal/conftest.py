"""Fixtures of the person's pages."""

from decimal import Decimal

import pytest

from contributions import services
from contributions.batches import ContributionRow, contribution_batch_post
from contributions.models import ContributionRecord
from tests.conftest import LI, SH_UNIT


@pytest.fixture
def li_paid(li):
    """李强 with 2024-01..06 paid in Shanghai, 2024-03 corrected, 2024-05 a back-payment."""
    rows = [
        ContributionRow(id_number=LI, month=f"2024-0{m}", scheme="employee",
                        amount_base=Decimal("9000"), employer_uscc=SH_UNIT)
        for m in (1, 2, 3, 4, 6)
    ]  # fmt: skip
    contribution_batch_post(province="31", rows=rows, source="test")
    back = ContributionRow(
        id_number=LI,
        month="2024-05",
        scheme="employee",
        amount_base=Decimal("9000"),
        employer_uscc=SH_UNIT,
        kind="back_payment",
    )
    contribution_batch_post(province="31", rows=[back], source="test")
    march = ContributionRecord.objects.get(person=li, month="2024-03-01")
    services.contribution_reverse(record=march, reason="wrong base")
    li.mobile = "13800138000"
    li.save(update_fields=["mobile"])
    return li
