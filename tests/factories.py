"""Builders of ledger rows for tests that need a history, not the services' checks."""

from decimal import Decimal

from contributions.models import ContributionRecord, InsuredPerson
from contributions.rules import Month, round_fen


def paid_months(
    person: InsuredPerson,
    province: str,
    start: Month,
    count: int,
    *,
    base: str = "8000",
    scheme: str = "flexible",
    temporary: bool = False,
) -> list[ContributionRecord]:
    """`count` months of contributions (flexible unless told) from `start`, written straight
    into the ledger (12 % pooling, 8 % personal account), as an import or a faulty system
    would."""
    amount = Decimal(base)
    return ContributionRecord.objects.bulk_create(
        ContributionRecord(
            person=person,
            province_id=province,
            scheme=scheme,
            is_temporary_account=temporary,
            month=(start + i).first_day(),
            base=amount,
            pooling_part=round_fen(amount * Decimal("0.12")),
            account_part=round_fen(amount * Decimal("0.08")),
            kind="regular",
        )
        for i in range(count)
    )
