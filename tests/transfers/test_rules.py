"""Transfer amounts, temporary accounts, claim place and duplicate periods
(spec §3.3, §3.4, §3.7, §4: vectors TR-01..TR-12 and V1..V12)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contributions.rules import Month
from transfers.rules import (
    Relationship,
    Segment,
    TransferMonth,
    claim_place,
    duplicate_period_resolution,
    lump_sum_transferable,
    needs_temporary_account,
    overlapping_months,
    transfer_amounts,
)

D = Decimal
M = Month.parse
PROPERTY = settings(database=None, deadline=None)


def months_of(
    start: str, count: int, base: str, kind: str = "normal", employer_rate: str = "0.16"
) -> list[TransferMonth]:
    """``count`` consecutive months from ``start`` at the same base."""
    first = M(start)
    return [
        TransferMonth(month=first + i, base=D(base), kind=kind, employer_rate=D(employer_rate))
        for i in range(count)
    ]


# --- Transfer amounts (TR-01..TR-06) ---------------------------------------------------


@pytest.mark.parametrize(
    ("months", "pooling"),
    [
        pytest.param(
            months_of("1996-01", 12, "3000")
            + months_of("1997-01", 12, "3200")
            + months_of("1998-01", 12, "3500")
            + months_of("2015-01", 12, "5000")
            + months_of("2016-01", 6, "6000"),
            D("16560.00"),
            id="TR-01",
        ),
        pytest.param(months_of("2020-01", 3, "4800"), D("1728.00"), id="TR-02"),
        pytest.param(
            months_of("2018-01", 24, "6000", "temporary", "0.16"), D("23040.00"), id="TR-03"
        ),
        pytest.param(
            months_of("2018-01", 24, "6000", "temporary", "0.10"), D("17280.00"), id="TR-04"
        ),
        pytest.param(months_of("2019-01", 24, "4800", "flexible", "0"), D("13824.00"), id="TR-05"),
    ],
)
def test_pooling_transfer(months, pooling):
    """GIVEN the monthly bases of the information sheet
    WHEN the pooling-fund transfer is computed
    THEN it is 12 % of the bases since 1998-01 for normal and flexible months, and the
    actual employer rate (at least 12 %) for temporary-account months."""
    amounts = transfer_amounts(months=months, account_balance=D("0"))
    assert amounts.pooling_amount == pooling


def test_personal_account_moves_in_full_with_the_pooling_part():
    """GIVEN a personal-account balance of 35210.55 and the TR-01 months (TR-06)
    WHEN the transfer amounts are computed
    THEN the account part is the whole balance and the total is 16560.00 + 35210.55."""
    months = (months_of("1998-01", 12, "3500") + months_of("2015-01", 12, "5000")) + months_of(
        "2016-01", 6, "6000"
    )
    amounts = transfer_amounts(months=months, account_balance=D("35210.55"))
    assert (amounts.pooling_amount, amounts.account_amount) == (D("16560.00"), D("35210.55"))
    assert amounts.total == D("51770.55")


def test_unknown_month_kind_is_refused():
    with pytest.raises(ValueError):
        TransferMonth(month=M("2020-01"), base=D("1"), kind="deemed", employer_rate=D("0"))


def test_lump_sum_of_36_months_without_evidence_does_not_move():
    """GIVEN a lump-sum back-payment covering 36 months, made in 2018, with no legal
    document (TR-12)
    WHEN transferability is checked
    THEN those months cannot move (the rest of the record transfers normally)."""
    assert not lump_sum_transferable(months_covered=36, has_required_evidence=False)
    assert lump_sum_transferable(months_covered=36, has_required_evidence=True)
    assert lump_sum_transferable(months_covered=35, has_required_evidence=False)


# --- Temporary account (TR-07..TR-10) --------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "sex", "hukou", "destination", "move", "organisational", "temporary"),
    [
        pytest.param("1972-05", "M", "41", "31", "2023-03", False, True, id="TR-07"),
        pytest.param("1972-05", "M", "41", "31", "2023-03", True, False, id="TR-08"),
        pytest.param("1990-01", "F", "41", "31", "2030-02", False, True, id="TR-09"),
        pytest.param("1990-01", "F", "31", "31", "2030-02", False, False, id="TR-10"),
    ],
)
def test_temporary_account(birth, sex, hukou, destination, move, organisational, temporary):
    """GIVEN a person's birth month, sex and hukou province, and a move to a province
    WHEN the move is classified
    THEN a man of 50+ or a woman of 40+ moving outside the hukou province gets a temporary
    account, unless the move is an approved organisational transfer."""
    result = needs_temporary_account(
        birth_month=M(birth),
        sex=sex,
        hukou_province=hukou,
        destination_province=destination,
        move_month=M(move),
        organisational_transfer=organisational,
    )
    assert result is temporary


@pytest.mark.parametrize(
    ("sex", "birth", "move", "temporary"),
    [
        ("M", "1975-06", "2025-05", False),
        ("M", "1975-06", "2025-06", True),
        ("F", "1985-06", "2025-05", False),
        ("F", "1985-06", "2025-06", True),
    ],
)
def test_age_threshold_is_reached_in_the_birth_month(sex, birth, move, temporary):
    result = needs_temporary_account(
        birth_month=M(birth),
        sex=sex,
        hukou_province="41",
        destination_province="31",
        move_month=M(move),
        organisational_transfer=False,
    )
    assert result is temporary


# --- Duplicate periods (TR-11) ---------------------------------------------------------


def relationship(label, kind, posted_on, start, end, credit="384"):
    credits = {m: D(credit) for m in Month.range(M(start), M(end))}
    return Relationship(label=label, kind=kind, posted_on=posted_on, account_credits=credits)


def test_employer_relationship_beats_flexible():
    """GIVEN A: employer, 2020-01..2020-12 and B: flexible, 2020-10..2021-03 (TR-11)
    WHEN the duplicate period is resolved
    THEN A is kept, the overlap is 2020-10..12, B's personal-account credits for those
    three months are refunded, and each month is counted once: 2020-01..2021-03 is 15
    distinct months (the spec's "18" is 12 + 6 before removing the 3 overlapping months)."""
    a = relationship("A", "employer", date(2021, 1, 5), "2020-01", "2020-12", "640")
    b = relationship("B", "flexible", date(2020, 11, 1), "2020-10", "2021-03", "384")
    result = duplicate_period_resolution(a=a, b=b)
    assert (result.kept, result.dropped) == ("A", "B")
    assert result.overlap == [M("2020-10"), M("2020-11"), M("2020-12")]
    assert result.refund == D("1152.00")
    assert result.distinct_months == 15


def test_same_kind_keeps_the_earlier_posted_unless_the_person_chooses():
    a = relationship("A", "flexible", date(2021, 2, 1), "2020-01", "2020-12")
    b = relationship("B", "flexible", date(2020, 12, 1), "2020-06", "2021-03", "400")
    assert duplicate_period_resolution(a=a, b=b).kept == "B"
    chosen = duplicate_period_resolution(a=a, b=b, chosen="A")
    assert (chosen.kept, chosen.refund) == ("A", D("2800.00"))


def test_the_person_cannot_drop_the_employer_relationship():
    a = relationship("A", "employer", date(2021, 1, 5), "2020-01", "2020-12")
    b = relationship("B", "flexible", date(2020, 11, 1), "2020-10", "2021-03")
    with pytest.raises(ValueError):
        duplicate_period_resolution(a=a, b=b, chosen="B")


def test_overlapping_months_are_in_calendar_order():
    a = [M("2021-01"), M("2020-11"), M("2020-12")]
    b = Month.range(M("2020-10"), M("2021-03"))
    assert overlapping_months(a, b) == [M("2020-11"), M("2020-12"), M("2021-01")]
    assert overlapping_months([M("2020-01")], [M("2020-02")]) == []


# --- Claim place (V1..V12) -------------------------------------------------------------


def segments(text: str) -> list[Segment]:
    """'44:96, 31:96 temporary' -> segments in order."""
    result = []
    for part in text.split(","):
        place, _, rest = part.strip().partition(":")
        months, _, kind = rest.partition(" ")
        result.append(Segment(province=place, months=int(months), kind=kind or "normal"))
    return result


@pytest.mark.parametrize(
    ("history", "province", "rule"),
    [
        pytest.param("44:96, 41:84", "41", "R1", id="V1"),
        pytest.param("44:60, 33:144", "33", "R2", id="V2"),
        pytest.param("44:144, 33:72", "44", "R3", id="V3"),
        pytest.param("44:72, 33:72, 32:48", "41", "R4", id="V4"),
        pytest.param("44:48, 33:36, 44:84, 32:60", "44", "R3", id="V5"),
        pytest.param("31:132, 44:120, 32:108", "44", "R3", id="V6"),
        pytest.param("44:180, 31:96 temporary", "44", "R2", id="V7"),
        pytest.param("44:108, 31:96 temporary", "41", "R4", id="V8"),
        pytest.param("22:96 deemed, 22:36, 44:108", "22", "R3", id="V9"),
        pytest.param("44:119, 33:119", "41", "R4", id="V10"),
        pytest.param("41:24, 44:156, 41:12", "41", "R1", id="V11"),
        pytest.param("44:130, 41:12, 33:60", "44", "R3", id="V12"),
    ],
)
def test_claim_place(history, province, rule):
    """GIVEN a hukou in Henan (41) and a chronological list of provincial segments
    WHEN the benefit-claim place is decided
    THEN the ordered rules R1 to R4 pick the expected province, counting cumulative months
    per province, deemed months included and temporary-account months excluded."""
    place = claim_place(hukou_province="41", segments=segments(history))
    assert (place.province, place.rule) == (province, rule)
    assert place.explanation.endswith(".")
    assert place.explanation.count(". ") == 0


def test_claim_place_explains_in_plain_words():
    place = claim_place(hukou_province="41", segments=segments("44:144, 33:72"))
    assert place.explanation == (
        "Zhejiang (33) has only 72 cumulative months, so the relationship returns to "
        "Guangdong (44), the most recent earlier province with at least 120 (144)."
    )


def test_claim_place_needs_a_segment():
    with pytest.raises(ValueError):
        claim_place(hukou_province="41", segments=[])


# --- Properties ------------------------------------------------------------------------

transfer_months = st.builds(
    TransferMonth,
    month=st.builds(Month, st.integers(1993, 2030), st.integers(1, 12)),
    base=st.decimals(min_value=D("0"), max_value=D("40000"), places=2),
    kind=st.sampled_from(["normal", "flexible", "temporary"]),
    employer_rate=st.decimals(min_value=D("0"), max_value=D("0.2"), places=2),
)


@PROPERTY
@given(
    months=st.lists(transfer_months, max_size=40),
    raise_index=st.integers(min_value=0),
    extra=st.decimals(min_value=D("0"), max_value=D("10000"), places=2),
)
def test_pooling_transfer_is_never_negative_and_grows_with_bases(months, raise_index, extra):
    before = transfer_amounts(months=months, account_balance=D("0")).pooling_amount
    assert before >= 0
    if months:
        i = raise_index % len(months)
        old = months[i]
        months[i] = TransferMonth(old.month, old.base + extra, old.kind, old.employer_rate)
    after = transfer_amounts(months=months, account_balance=D("0")).pooling_amount
    assert after >= before


provinces = st.sampled_from(["11", "22", "31", "32", "33", "41", "44"])
segment_lists = st.lists(
    st.builds(
        Segment,
        province=provinces,
        months=st.integers(0, 200),
        kind=st.sampled_from(["normal", "deemed", "temporary"]),
    ),
    min_size=1,
    max_size=8,
)


@PROPERTY
@given(hukou=provinces, history=segment_lists)
def test_claim_place_is_a_segment_province_or_the_hukou_province(hukou, history):
    place = claim_place(hukou_province=hukou, segments=history)
    assert place.province in {s.province for s in history} | {hukou}
    assert place.rule in {"R1", "R2", "R3", "R4"}
    if place.rule == "R4":
        assert place.province == hukou


@PROPERTY
@given(hukou=provinces, history=segment_lists, temp=st.tuples(provinces, st.integers(0, 300)))
def test_temporary_months_never_change_the_claim_place(hukou, history, temp):
    with_temporary = [*history, Segment(province=temp[0], months=temp[1], kind="temporary")]
    assert claim_place(hukou_province=hukou, segments=with_temporary).province == (
        claim_place(hukou_province=hukou, segments=history).province
    )
