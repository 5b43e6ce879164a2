"""Months, the contribution band and monthly contributions (spec §1, vectors CT-01..CT-13)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import (
    BandRounding,
    BaseOutOfBand,
    ContributionBand,
    Month,
    contribution_band,
    employee_contribution,
    flexible_contribution,
    round_fen,
)

D = Decimal
PROPERTY = settings(database=None, deadline=None)
STANDARD_BAND = ContributionBand(floor=D("4800"), ceiling=D("24000"))

money = st.decimals(min_value=D("0"), max_value=D("200000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.3"), places=4)


@st.composite
def bands(draw: st.DrawFn) -> ContributionBand:
    floor = draw(st.decimals(min_value=D("1000"), max_value=D("10000"), places=1))
    ceiling = draw(st.decimals(min_value=floor, max_value=floor * 5, places=1))
    return ContributionBand(floor=floor, ceiling=ceiling)


# --- Month -----------------------------------------------------------------------------


def test_month_parses_and_prints_yyyy_mm():
    assert Month.parse("2024-07") == Month(2024, 7)
    assert str(Month(2024, 7)) == "2024-07"
    assert str(Month(998, 1)) == "0998-01"


@pytest.mark.parametrize("text", ["2024-7", "2024-13", "2024-00", "24-07", "2024/07", ""])
def test_month_parse_rejects_bad_input_with_a_clear_message(text):
    with pytest.raises(ValueError, match="month"):
        Month.parse(text)


def test_month_arithmetic_crosses_year_boundaries():
    assert Month(2024, 11).plus(3) == Month(2025, 2)
    assert Month(2024, 1) + -1 == Month(2023, 12)
    assert Month(2025, 1) - 13 == Month(2023, 12)
    assert Month(2020, 10).months_until(Month(2021, 3)) == 5
    assert Month(2021, 3).months_until(Month(2020, 10)) == -5


def test_month_converts_to_and_from_dates():
    assert Month.from_date(date(1990, 1, 31)) == Month(1990, 1)
    assert Month(1990, 2).first_day() == date(1990, 2, 1)


def test_month_range_is_inclusive_and_ordered():
    months = list(Month.range(Month(2020, 11), Month(2021, 2)))
    assert [str(m) for m in months] == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert list(Month.range(Month(2021, 2), Month(2020, 11))) == []


def test_months_are_ordered_by_calendar():
    assert Month(2019, 12) < Month(2020, 1) < Month(2020, 2)


@PROPERTY
@given(st.integers(min_value=1000, max_value=3000), st.integers(1, 12), st.integers(-500, 500))
def test_month_plus_and_months_until_are_inverse(year, month, n):
    start = Month(year, month)
    assert start.months_until(start + n) == n


# --- Rounding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("516.852"), D("516.85")),
        (D("344.568"), D("344.57")),
        (D("0.005"), D("0.01")),
        (7, D("7")),
    ],
)
def test_round_fen_rounds_half_up(amount, expected):
    assert round_fen(amount) == expected


def test_round_fen_refuses_floats():
    with pytest.raises(TypeError):
        round_fen(0.1)


# --- Band (CT-01..CT-05) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("average_wage", "rounding", "floor", "ceiling"),
    [
        pytest.param(D("8000"), BandRounding.YUAN, D("4800"), D("24000"), id="CT-01"),
        pytest.param(D("12183"), BandRounding.YUAN, D("7310"), D("36549"), id="CT-02"),
        pytest.param(D("12307"), BandRounding.YUAN, D("7384"), D("36921"), id="CT-03"),
        pytest.param(D("11937"), BandRounding.YUAN, D("7162"), D("35811"), id="CT-04"),
        pytest.param(D("7178.5"), BandRounding.JIAO, D("4307.1"), D("21535.5"), id="CT-05"),
    ],
)
def test_band_is_derived_from_the_average_wage(average_wage, rounding, floor, ceiling):
    """GIVEN a province average monthly wage and its rounding rule
    WHEN the contribution band is derived at 60 % / 300 %
    THEN floor and ceiling match the published figures."""
    band = contribution_band(average_wage, rounding)
    assert (band.floor, band.ceiling) == (floor, ceiling)


def test_band_refuses_a_floor_above_the_ceiling():
    with pytest.raises(ValueError):
        ContributionBand(floor=D("5000"), ceiling=D("4000"))


# --- Employee contributions (CT-06..CT-08, CT-12) --------------------------------------


@pytest.mark.parametrize(
    ("wage", "band", "base", "employer", "employee"),
    [
        pytest.param(D("8000"), STANDARD_BAND, D("8000"), D("1280.00"), D("640.00"), id="CT-06"),
        pytest.param(D("3000"), STANDARD_BAND, D("4800"), D("768.00"), D("384.00"), id="CT-07"),
        pytest.param(D("30000"), STANDARD_BAND, D("24000"), D("3840.00"), D("1920.00"), id="CT-08"),
        pytest.param(
            D("4053.6"),
            ContributionBand(floor=D("4053.6"), ceiling=D("20268")),
            D("4053.6"),
            D("648.58"),
            D("324.29"),
            id="CT-12",
        ),
    ],
)
def test_employee_contribution_clamps_the_base_and_splits_it(wage, band, base, employer, employee):
    """GIVEN a declared wage, a band and a 16 % employer rate
    WHEN the month's contribution is computed
    THEN the base is clamped into the band, the employer part goes to pooling and the
    employee's 8 % to the personal account, each rounded to fen."""
    split = employee_contribution(declared_wage=wage, band=band, employer_rate=D("0.16"))
    assert (split.base, split.pooling_part, split.account_part) == (base, employer, employee)
    assert split.total == employer + employee


# --- Flexible contributions (CT-09..CT-11, CT-13) --------------------------------------


@pytest.mark.parametrize(
    ("base", "band", "pool", "account", "total"),
    [
        pytest.param(D("4800"), STANDARD_BAND, D("576.00"), D("384.00"), D("960.00"), id="CT-09"),
        pytest.param(
            D("7162"),
            ContributionBand(floor=D("7162"), ceiling=D("35811")),
            D("859.44"),
            D("572.96"),
            D("1432.40"),
            id="CT-10",
        ),
        pytest.param(
            D("4307.1"),
            ContributionBand(floor=D("4307.1"), ceiling=D("21535.5")),
            D("516.85"),
            D("344.57"),
            D("861.42"),
            id="CT-11",
        ),
    ],
)
def test_flexible_contribution_total_is_the_sum_of_rounded_parts(base, band, pool, account, total):
    """GIVEN a flexible worker's chosen base inside the band, at 20 % with 8 % to the account
    WHEN the month's contribution is computed
    THEN pool (12 %) and account (8 %) are each rounded to fen and the total is their sum."""
    split = flexible_contribution(base=base, band=band)
    assert (split.pooling_part, split.account_part, split.total) == (pool, account, total)


def test_flexible_base_below_the_floor_is_rejected():
    """GIVEN a flexible base of 4799 and a band of 4800-24000 (CT-13)
    WHEN the contribution is computed
    THEN it is refused with code base_out_of_band, naming the base and the band."""
    with pytest.raises(BaseOutOfBand, match="below the floor") as caught:
        flexible_contribution(base=D("4799"), band=STANDARD_BAND)
    error = caught.value
    assert (error.code, error.base, error.floor, error.ceiling) == (
        "base_out_of_band",
        D("4799"),
        D("4800"),
        D("24000"),
    )
    assert isinstance(error, ValueError)


def test_flexible_base_above_the_ceiling_is_rejected():
    with pytest.raises(BaseOutOfBand, match="above the ceiling"):
        flexible_contribution(base=D("24000.01"), band=STANDARD_BAND)


def test_rates_outside_zero_to_one_are_refused():
    with pytest.raises(ValueError):
        employee_contribution(declared_wage=D("5000"), band=STANDARD_BAND, employer_rate=D("16"))


# --- Properties ------------------------------------------------------------------------


@PROPERTY
@given(wage=money, band=bands(), employer_rate=rates)
def test_employee_split_never_loses_or_creates_a_fen(wage, band, employer_rate):
    split = employee_contribution(declared_wage=wage, band=band, employer_rate=employer_rate)
    assert split.total == split.pooling_part + split.account_part
    for part in (split.pooling_part, split.account_part):
        assert part == part.quantize(D("0.01"))
    exact = split.base * (employer_rate + D("0.08"))
    assert abs(split.total - exact) <= D("0.01")


@PROPERTY
@given(band=bands(), data=st.data())
def test_flexible_split_is_within_a_fen_of_the_exact_total(band, data):
    base = data.draw(st.decimals(min_value=band.floor, max_value=band.ceiling, places=2))
    split = flexible_contribution(base=base, band=band)
    assert split.total == split.pooling_part + split.account_part
    assert split.pooling_part == split.pooling_part.quantize(D("0.01"))
    assert split.account_part == split.account_part.quantize(D("0.01"))
    assert abs(split.total - base * D("0.20")) <= D("0.01")


@PROPERTY
@given(band=bands(), base=st.decimals(min_value=D("0"), max_value=D("60000"), places=2))
def test_flexible_base_is_accepted_exactly_when_inside_the_band(band, base):
    inside = band.floor <= base <= band.ceiling
    if inside:
        assert flexible_contribution(base=base, band=band).base == base
    else:
        with pytest.raises(BaseOutOfBand):
            flexible_contribution(base=base, band=band)
