"""Statutory retirement age reform and flexible retirement (spec §6, RA-01..24, FW-01..06)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import (
    RETIREMENT_SCHEDULES,
    Month,
    RetirementCategory,
    flexible_window,
    minimum_contribution_months,
    statutory_retirement,
)

M = Month.parse
PROPERTY = settings(database=None, deadline=None)

RA_VECTORS = [
    # id, birth, category, retirement month, age (years, months), delay months
    ("RA-01", "1971-04", "F55", "2026-08", (55, 4), 4),
    ("RA-02", "1995-12", "F50", "2050-12", (55, 0), 60),
    ("RA-03", "1995-12", "M60", "2058-12", (63, 0), 36),
    ("RA-04", "2000-12", "F55", "2058-12", (58, 0), 36),
    ("RA-05", "2000-12", "M60", "2063-12", (63, 0), 36),
    ("RA-06", "1965-12", "M60", "2026-03", (60, 3), 3),
    ("RA-07", "1963-12", "M60", "2023-12", (60, 0), 0),
    ("RA-08", "1963-04", "F55", "2018-04", (55, 0), 0),
    ("RA-09", "1964-02", "M60", "2024-02", (60, 0), 0),
    ("RA-10", "1965-01", "M60", "2025-02", (60, 1), 1),
    ("RA-11", "1964-12", "M60", "2024-12", (60, 0), 0),
    ("RA-12", "1965-04", "M60", "2025-05", (60, 1), 1),
    ("RA-13", "1965-05", "M60", "2025-07", (60, 2), 2),
    ("RA-14", "1970-06", "M60", "2031-11", (61, 5), 17),
    ("RA-15", "1976-08", "M60", "2039-07", (62, 11), 35),
    ("RA-16", "1976-09", "M60", "2039-09", (63, 0), 36),
    ("RA-17", "1975-01", "F50", "2025-02", (50, 1), 1),
    ("RA-18", "1975-03", "F50", "2025-05", (50, 2), 2),
    ("RA-19", "1980-07", "F50", "2033-05", (52, 10), 34),
    ("RA-20", "1984-10", "F50", "2039-09", (54, 11), 59),
    ("RA-21", "1984-11", "F50", "2039-11", (55, 0), 60),
    ("RA-22", "1970-01", "F55", "2025-02", (55, 1), 1),
    ("RA-23", "1975-03", "F55", "2031-07", (56, 4), 16),
    ("RA-24", "1981-09", "F55", "2039-09", (58, 0), 36),
]


@pytest.mark.parametrize(
    ("birth", "category", "retirement", "age", "delay"),
    [pytest.param(*row[1:], id=row[0]) for row in RA_VECTORS],
)
def test_statutory_retirement_follows_the_2024_schedule(birth, category, retirement, age, delay):
    """GIVEN a birth month and a retirement category (M60, F55, F50)
    WHEN the statutory retirement month is computed under the 2024 NPCSC decision
    THEN month, age and delay match the published schedule."""
    result = statutory_retirement(birth_month=M(birth), category=RetirementCategory(category))
    assert result.month == M(retirement)
    assert result.age_months == age[0] * 12 + age[1]
    assert result.delay_months == delay


@pytest.mark.parametrize(
    ("birth", "category", "earliest", "latest"),
    [
        pytest.param("1965-12", "M60", "2025-12", "2029-03", id="FW-01"),
        pytest.param("1970-06", "M60", "2030-06", "2034-11", id="FW-02"),
        pytest.param("1980-01", "M60", "2040-01", "2046-01", id="FW-03"),
        pytest.param("1978-03", "F50", "2028-03", "2032-11", id="FW-04"),
    ],
)
def test_flexible_window(birth, category, earliest, latest):
    """GIVEN a birth month and category
    WHEN the flexible retirement window is computed
    THEN it opens 36 months before the statutory month but never before the original age,
    and closes 36 months after it."""
    window = flexible_window(birth_month=M(birth), category=RetirementCategory(category))
    assert window == (M(earliest), M(latest))


@pytest.mark.parametrize(
    ("year", "months"),
    [
        (2025, 180),
        (2029, 180),
        (2030, 186),
        (2031, 192),
        (2032, 198),
        (2033, 204),
        (2034, 210),
        (2035, 216),
        (2036, 222),
        (2037, 228),
        (2038, 234),
        (2039, 240),
        (2050, 240),
    ],
)
def test_minimum_contribution_months_by_retirement_year(year, months):
    assert minimum_contribution_months(year) == months


# --- Properties ------------------------------------------------------------------------

birth_months = st.builds(Month, st.integers(1940, 2010), st.integers(1, 12))
categories = st.sampled_from(list(RetirementCategory))


@PROPERTY
@given(birth=birth_months, category=categories)
def test_retirement_is_between_the_original_age_and_the_maximum_delay(birth, category):
    schedule = RETIREMENT_SCHEDULES[category]
    original = birth + schedule.original_age_years * 12
    result = statutory_retirement(birth_month=birth, category=category)
    assert original <= result.month <= original + schedule.max_delay_months


@PROPERTY
@given(birth=birth_months, category=categories)
def test_age_at_retirement_is_the_months_from_birth(birth, category):
    result = statutory_retirement(birth_month=birth, category=category)
    assert result.age_months == birth.months_until(result.month)


@PROPERTY
@given(birth=birth_months, category=categories)
def test_a_later_birth_never_retires_earlier(birth, category):
    this = statutory_retirement(birth_month=birth, category=category)
    later = statutory_retirement(birth_month=birth + 1, category=category)
    assert later.month > this.month
    assert later.delay_months >= this.delay_months
