"""Personal-account crediting interest (spec §2.3, vectors IR-01..IR-06)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import (
    interest_annual_method,
    interest_monthly_product,
    interest_to_month,
)

D = Decimal
PROPERTY = settings(database=None, deadline=None)

# National crediting rates (§2.2).
NATIONAL_RATES = {
    2016: D("0.0831"),
    2017: D("0.0712"),
    2018: D("0.0829"),
    2019: D("0.0761"),
    2020: D("0.0604"),
    2021: D("0.0669"),
    2022: D("0.0612"),
    2023: D("0.0397"),
    2024: D("0.0262"),
}

balances = st.decimals(min_value=D("0"), max_value=D("2000000"), places=2)
credits = st.decimals(min_value=D("0"), max_value=D("10000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.12"), places=4)


@pytest.mark.parametrize(
    ("opening", "credits_total", "rate", "closing"),
    [
        pytest.param(D("0"), D("7680"), D("0.0262"), D("7788.96"), id="IR-01"),
        pytest.param(D("100000"), D("7680"), D("0.0397"), D("111815.10"), id="IR-02"),
        pytest.param(D("50000"), D("0"), D("0.0262"), D("51310.00"), id="IR-03"),
    ],
)
def test_annual_method(opening, credits_total, rate, closing):
    """GIVEN last year's closing balance, this year's credits and the crediting rate
    WHEN interest is credited by the annual method (credits earn r × 1.083 / 2)
    THEN the closing balance, rounded to fen, matches the vector."""
    result = interest_annual_method(opening_balance=opening, credits_total=credits_total, rate=rate)
    assert result.closing_balance == closing
    assert result.interest == closing - opening - credits_total


@pytest.mark.parametrize(
    ("opening", "monthly", "rate", "interest", "closing"),
    [
        pytest.param(D("0"), [D("640")] * 12, D("0.0262"), D("108.99"), D("7788.99"), id="IR-04"),
        pytest.param(
            D("10000"),
            [D("0")] * 6 + [D("800")] * 6,
            D("0.0612"),
            D("85.68") + D("612"),
            D("15497.68"),
            id="IR-05",
        ),
    ],
)
def test_monthly_product_method(opening, monthly, rate, interest, closing):
    """GIVEN an opening balance and the credit of each month
    WHEN interest is credited by the monthly-product method (credit of month n earns
    (13 - n) months)
    THEN the year's interest (balance interest plus credit interest) and closing balance
    match the vector."""
    result = interest_monthly_product(opening_balance=opening, monthly_credits=monthly, rate=rate)
    assert (result.interest, result.closing_balance) == (interest, closing)


def test_uneven_credits_differ_between_the_two_methods():
    """GIVEN the IR-05 credits (nothing in Jan-Jun, 800 a month in Jul-Dec)
    WHEN the annual method is used instead
    THEN it gives 15571.07, which is why the ledger uses the monthly product."""
    result = interest_annual_method(
        opening_balance=D("10000"), credits_total=D("4800"), rate=D("0.0612")
    )
    assert result.closing_balance == D("15571.07")


IR_06_CLOSINGS = {
    2016: D("6269.99"),
    2017: D("12947.74"),
    2018: D("20290.45"),
    2019: D("28081.80"),
    2020: D("35974.18"),
    2021: D("44598.21"),
    2022: D("53526.46"),
    2023: D("61780.45"),
    2024: D("69484.22"),
}


@pytest.mark.parametrize(
    ("year", "closing"),
    [pytest.param(year, closing, id=f"IR-06-{year}") for year, closing in IR_06_CLOSINGS.items()],
)
def test_annual_chain_with_national_rates(year, closing):
    """GIVEN a zero balance at the end of 2015 and 6000 credited every year
    WHEN each year is closed by the annual method at that year's national rate,
    rounding the balance to fen at each year end
    THEN the balance at the end of the year matches the vector."""
    balance = D("0")
    for credit_year in range(2016, year + 1):
        balance = interest_annual_method(
            opening_balance=balance, credits_total=D("6000"), rate=NATIONAL_RATES[credit_year]
        ).closing_balance
    assert balance == closing


# --- Interest to month m (transfer or retirement mid-year) -----------------------------


def test_interest_to_month_weights_each_credit_by_the_months_it_was_held():
    """GIVEN 12000 carried in, 1000 credited in each of Jan-Mar, rate 6 %
    WHEN the account leaves at the end of March (m = 3)
    THEN interest = 12000 × 6 % × 3/12 + 6 %/12 × (1000 × 3 + 1000 × 2 + 1000 × 1)."""
    result = interest_to_month(
        opening_balance=D("12000"),
        monthly_credits=[D("1000")] * 3 + [D("0")] * 9,
        rate=D("0.06"),
        month=3,
    )
    assert result.interest == D("180") + D("30")
    assert result.closing_balance == D("15210.00")


@PROPERTY
@given(opening=balances, monthly=st.lists(credits, min_size=12, max_size=12), rate=rates)
def test_interest_to_december_equals_the_full_year(opening, monthly, rate):
    full = interest_monthly_product(opening_balance=opening, monthly_credits=monthly, rate=rate)
    cut = interest_to_month(opening_balance=opening, monthly_credits=monthly, rate=rate, month=12)
    assert cut == full


def test_interest_to_month_leaves_out_credits_after_the_cut():
    """GIVEN 640 credited every month of the year, rate 2.62 %
    WHEN the account is cut at the end of June (m = 6)
    THEN only January to June count: 3840 credited, interest 0.0262/12 × 640 × 21."""
    result = interest_to_month(
        opening_balance=D("0"), monthly_credits=[D("640")] * 12, rate=D("0.0262"), month=6
    )
    assert result.interest == D("29.34")
    assert result.closing_balance == D("3869.34")


@pytest.mark.parametrize(
    "call",
    [
        lambda: interest_annual_method(
            opening_balance=D("1"), credits_total=D("1"), rate=D("-0.01")
        ),
        lambda: interest_monthly_product(
            opening_balance=D("1"), monthly_credits=[D("1")] * 12, rate=D("-0.01")
        ),
        lambda: interest_monthly_product(
            opening_balance=D("1"), monthly_credits=[D("1")] * 11, rate=D("0.01")
        ),
        lambda: interest_to_month(
            opening_balance=D("1"), monthly_credits=[D("0")] * 12, rate=D("0.01"), month=13
        ),
    ],
    ids=["annual-negative-rate", "monthly-negative-rate", "eleven-credits", "month-13"],
)
def test_bad_interest_inputs_are_refused(call):
    with pytest.raises(ValueError):
        call()


# --- Properties ------------------------------------------------------------------------


@PROPERTY
@given(
    opening=balances,
    monthly=st.lists(credits, min_size=12, max_size=12),
    rate=rates,
    month=st.integers(1, 12),
)
def test_interest_is_never_negative(opening, monthly, rate, month):
    monthly = monthly[:month] + [D("0")] * (12 - month)
    annual = interest_annual_method(opening_balance=opening, credits_total=sum(monthly), rate=rate)
    cut = interest_to_month(
        opening_balance=opening, monthly_credits=monthly, rate=rate, month=month
    )
    assert annual.interest >= 0
    assert cut.interest >= 0


@PROPERTY
@given(opening=balances, credit=credits, rate=rates)
def test_equal_monthly_credits_give_nearly_the_annual_method(opening, credit, rate):
    # The methods differ only by 13/24 - 1.083/2 = 1/6000 of r × C, plus one fen of rounding:
    # a few fen on typical amounts (7680 a year at 2.62 % differs by 0.03).
    annual = interest_annual_method(opening_balance=opening, credits_total=credit * 12, rate=rate)
    monthly = interest_monthly_product(
        opening_balance=opening, monthly_credits=[credit] * 12, rate=rate
    )
    gap = monthly.closing_balance - annual.closing_balance
    assert D("0") - D("0.01") <= gap <= credit * 12 * rate / 6000 + D("0.01")
