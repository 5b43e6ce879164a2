"""Monthly pension at retirement (spec §5: PN-01..06, IX-01..03, TP-01..03, MD-01..02)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import (
    MONTHS_DIVISOR,
    DivisorMode,
    account_pension,
    average_index,
    basic_pension,
    is_entitled,
    months_divisor,
    pension_estimate,
    transitional_pension,
)

D = Decimal
PROPERTY = settings(database=None, deadline=None)


@pytest.mark.parametrize(
    ("base", "index", "months", "balance", "age", "basic", "account", "total"),
    [
        pytest.param(
            D("10000"), D("1.0"), 360, D("200000"), 60, D("3000.00"), D("1438.85"), D("4438.85"),
            id="PN-01",
        ),
        pytest.param(
            D("8000"), D("0.6"), 180, D("50000"), 50, D("960.00"), D("256.41"), D("1216.41"),
            id="PN-02",
        ),
        pytest.param(
            D("12000"), D("2.0"), 426, D("400000"), 55, D("6390.00"), D("2352.94"), D("8742.94"),
            id="PN-03",
        ),
        pytest.param(
            D("9183"), D("1.2345"), 427, D("123456.78"), 63, D("3650.75"), D("1055.19"),
            D("4705.94"),
            id="PN-04",
        ),
    ],
)  # fmt: skip
def test_pension_estimate(base, index, months, balance, age, basic, account, total):
    """GIVEN a pension base P, an average index I, N contribution months, a personal-account
    balance and a whole age at retirement
    WHEN the monthly pension is estimated
    THEN basic = P(1 + I)/2 × N/12 × 1 %, account = balance / divisor, each rounded to fen,
    and the total is their sum."""
    estimate = pension_estimate(
        pension_base=base,
        average_index=index,
        contribution_months=months,
        account_balance=balance,
        age_months=age * 12,
    )
    assert (estimate.basic, estimate.account, estimate.transitional) == (basic, account, D("0"))
    assert estimate.divisor == MONTHS_DIVISOR[age]
    assert estimate.total == total


@pytest.mark.parametrize(
    ("months", "year"),
    [pytest.param(179, 2027, id="PN-05"), pytest.param(186, 2031, id="PN-06")],
)
def test_too_few_months_give_no_monthly_pension(months, year):
    """GIVEN contribution months below the minimum for the retirement year
    WHEN entitlement to a monthly pension is checked
    THEN the person is not entitled (2027 needs 180 months, 2031 needs 192)."""
    assert not is_entitled(months, year)


def test_the_minimum_months_exactly_entitle():
    assert is_entitled(180, 2027)
    assert is_entitled(192, 2031)


# --- Average index (IX-01..IX-03) ------------------------------------------------------


def test_average_index_over_years_with_different_wages():
    """GIVEN 12 months at 5000 against W = 8000, 12 at 6000 against 8500, 6 at 9000
    against 9000 (IX-01)
    WHEN the average index is computed
    THEN it is 21.9706 / 30 = 0.7324 (four decimals)."""
    months = (
        [(D("5000"), D("8000"))] * 12 + [(D("6000"), D("8500"))] * 12 + [(D("9000"), D("9000"))] * 6
    )
    assert average_index(months=months) == D("0.7324")
    exact = average_index(months=months, places=None)
    assert abs(exact * 30 - D("21.9706")) < D("0.0001")


def test_average_index_at_the_floor():
    """GIVEN every month's base at the floor, 0.6 × W (IX-02)
    WHEN the average index is computed
    THEN it is 0.6."""
    months = [(D("4800"), D("8000"))] * 12 + [(D("5400"), D("9000"))] * 12
    assert average_index(months=months) == D("0.6000")


def test_average_index_with_deemed_months():
    """GIVEN 120 deemed months at index 1.0 and 180 actual months averaging 0.8 (IX-03)
    WHEN the average index and then the basic pension with P = 8000, N = 300 are computed
    THEN I = (120 + 144) / 300 = 0.88 and the basic pension is 1880.00."""
    index = average_index(
        months=[(D("4000"), D("5000"))] * 180, deemed_months=120, deemed_index=D("1.0")
    )
    assert index == D("0.88")
    assert basic_pension(pension_base=D("8000"), average_index=index, contribution_months=300) == (
        D("1880.00")
    )


def test_average_index_needs_at_least_one_month():
    with pytest.raises(ValueError):
        average_index(months=[])


# --- Transitional pension (TP-01..TP-03) -----------------------------------------------


@pytest.mark.parametrize(
    ("base", "index", "deemed_months", "coefficient", "expected"),
    [
        pytest.param(D("8000"), D("1.0"), 120, D("0.012"), D("960.00"), id="TP-01"),
        pytest.param(D("7322"), D("0.8"), 102, D("0.014"), D("697.05"), id="TP-02"),
        pytest.param(D("8000"), D("1.0"), 0, D("0.012"), D("0.00"), id="TP-03"),
    ],
)
def test_transitional_pension(base, index, deemed_months, coefficient, expected):
    """GIVEN a base P_t, an index I_t, deemed months and a provincial coefficient c
    WHEN the transitional pension is computed
    THEN it is P_t × I_t × deemed years × c, rounded to fen."""
    amount = transitional_pension(
        pension_base=base, index=index, deemed_months=deemed_months, coefficient=coefficient
    )
    assert amount == expected


def test_estimate_includes_the_transitional_part():
    estimate = pension_estimate(
        pension_base=D("8000"),
        average_index=D("1.0"),
        contribution_months=360,
        account_balance=D("139000"),
        age_months=720,
        deemed_months=120,
        transitional_coefficient=D("0.012"),
    )
    assert (estimate.basic, estimate.account, estimate.transitional) == (
        D("2400.00"),
        D("1000.00"),
        D("960.00"),
    )
    assert estimate.total == D("4360.00")


# --- Months divisor (MD-01, MD-02) -----------------------------------------------------


@pytest.mark.parametrize(
    ("age_months", "completed", "interpolated"),
    [
        pytest.param(60 * 12 + 3, D("139"), D("137.25"), id="MD-01"),
        pytest.param(55 * 12 + 4, D("170"), D("168"), id="MD-02"),
    ],
)
def test_months_divisor_modes(age_months, completed, interpolated):
    """GIVEN an age at retirement with extra months
    WHEN the months divisor is looked up in each mode
    THEN completed-age mode uses the whole age and interpolation moves linearly toward the
    next age."""
    assert months_divisor(age_months, DivisorMode.COMPLETED_AGE) == completed
    assert months_divisor(age_months, DivisorMode.LINEAR_INTERPOLATION) == interpolated


def test_months_divisor_table_is_the_official_annex():
    assert len(MONTHS_DIVISOR) == 31
    assert (MONTHS_DIVISOR[40], MONTHS_DIVISOR[47], MONTHS_DIVISOR[60], MONTHS_DIVISOR[70]) == (
        233,
        208,
        139,
        56,
    )
    assert [MONTHS_DIVISOR[age] for age in range(66, 71)] == [93, 84, 75, 65, 56]


def test_months_divisor_above_70_and_below_40():
    assert months_divisor(75 * 12, DivisorMode.LINEAR_INTERPOLATION) == D("56")
    assert months_divisor(70 * 12 + 6, DivisorMode.LINEAR_INTERPOLATION) == D("56")
    with pytest.raises(ValueError):
        months_divisor(39 * 12 + 11)


def test_account_pension_with_interpolated_divisor():
    amount = account_pension(
        balance=D("137250"), age_months=723, mode=DivisorMode.LINEAR_INTERPOLATION
    )
    assert amount == D("1000.00")


# --- Properties ------------------------------------------------------------------------


@PROPERTY
@given(age_months=st.integers(40 * 12, 75 * 12))
def test_interpolated_divisor_lies_between_its_neighbours(age_months):
    years = min(age_months // 12, 70)
    lower, upper = MONTHS_DIVISOR[years], MONTHS_DIVISOR[min(years + 1, 70)]
    divisor = months_divisor(age_months, DivisorMode.LINEAR_INTERPOLATION)
    assert upper <= divisor <= lower
    assert months_divisor(age_months, DivisorMode.COMPLETED_AGE) == lower


@PROPERTY
@given(
    months=st.lists(
        st.tuples(
            st.decimals(min_value=D("0.6"), max_value=D("3"), places=4),
            st.decimals(min_value=D("1000"), max_value=D("20000"), places=0),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_average_index_of_clamped_bases_stays_in_the_band(months):
    pairs = [(ratio * wage, wage) for ratio, wage in months]
    index = average_index(months=pairs, places=None)
    assert D("0.6") <= index <= D("3")
