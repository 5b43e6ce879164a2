"""Projecting a record to retirement: the person's estimate (§5 with §2.3)."""

from decimal import Decimal

import pytest

from contributions.rules import (
    Assumptions,
    Month,
    Projection,
    average_index,
    interest_monthly_product,
    pension_estimate,
    project_pension,
)

HISTORY = [(Decimal("8000"), Decimal("10000"))] * 180  # 15 years at index 0.8
BIRTH = Month(1966, 1)
NOW = Month(2025, 12)


def _project(retirement: Month, now: Month = NOW, **assumed) -> Projection:
    figures = {
        "base_index": Decimal("1"),
        "wage_growth": Decimal("0.04"),
        "crediting_rate": Decimal("0.03"),
    } | assumed
    return project_pension(
        history=HISTORY,
        deemed_months=0,
        balance_now=Decimal("50000.00"),
        now=now,
        birth_month=BIRTH,
        average_wage_now=Decimal("10000"),
        pension_base_now=Decimal("10000"),
        transitional_coefficient=Decimal("0"),
        assumptions=Assumptions(retirement=retirement, **figures),
    )


def test_retiring_next_month_is_the_pension_of_the_record_as_it_stands():
    projection = _project(Month(2026, 1))
    assert projection.future_months == 0
    assert projection.estimate == pension_estimate(
        pension_base=Decimal("10400.00"),  # one year of 4 % growth: retirement in 2026
        average_index=average_index(months=HISTORY),
        contribution_months=180,
        account_balance=Decimal("50000.00"),
        age_months=BIRTH.months_until(Month(2026, 1)),
    )


def test_a_year_of_contributions_earns_the_monthly_product_interest_of_section_2_3():
    # Twelve months of 2026 at the 2026 wage (10400) and 8 % to the account.
    projection = _project(Month(2027, 1))
    year = interest_monthly_product(
        opening_balance=Decimal("50000.00"),
        monthly_credits=[Decimal("832.00")] * 12,
        rate=Decimal("0.03"),
    )
    assert projection.future_months == 12
    assert projection.account_balance == year.closing_balance
    assert projection.contribution_months == 192
    expected_index = average_index(months=HISTORY + [(Decimal("10400"), Decimal("10400"))] * 12)
    assert projection.average_index == expected_index


@pytest.mark.parametrize("later", [6, 12, 36])
def test_waiting_never_lowers_the_estimate(later):
    base = _project(Month(2026, 1))
    assert _project(Month(2026, 1) + later).estimate.total > base.estimate.total


def test_too_few_months_for_the_retirement_year_are_said():
    projection = _project(Month(2031, 1), now=Month(2030, 12))
    assert (projection.minimum_months, projection.entitled) == (192, False)  # 180 paid, §6.3
