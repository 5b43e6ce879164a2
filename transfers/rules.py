"""Pure rules of cross-province transfer (跨省转移接续) and the benefit-claim place.

No Django: dataclasses and Decimals in, dataclasses and Decimals out. Section numbers (§)
refer to the domain specification; open readings are listed in docs/rules.md.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal, get_args

from contributions.rules import PROVINCE_CODES, Month, round_fen

# --------------------------------------------------------------------------------------
# Transfer amounts (转移资金, §3.3)
# --------------------------------------------------------------------------------------

TRANSFER_POOLING_RATE: Final = Decimal("0.12")
# Pooling funds move only for months from 1998-01 on (the unified account system).
POOLING_TRANSFER_START: Final = Month(1998, 1)

TransferKind = Literal["normal", "flexible", "temporary"]


@dataclass(frozen=True)
class TransferMonth:
    """One contribution month in the information sheet (信息表).

    ``employer_rate`` matters only for a temporary account (临时账户), whose employer part
    moves at the actual rate when that is above 12 %.
    """

    month: Month
    base: Decimal
    kind: TransferKind
    employer_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.kind not in get_args(TransferKind):
            raise ValueError(f"unknown transfer month kind {self.kind!r}")
        if self.base < 0:
            raise ValueError(f"a contribution base cannot be negative, got {self.base}")


@dataclass(frozen=True)
class TransferAmounts:
    pooling_amount: Decimal
    account_amount: Decimal

    @property
    def total(self) -> Decimal:
        return self.pooling_amount + self.account_amount


def transfer_amounts(
    *, months: Iterable[TransferMonth], account_balance: Decimal
) -> TransferAmounts:
    """Funds that move with the relationship (§3.3).

    Pooling: 12 % of the bases of normal and flexible months, plus base × max(employer
    rate, 12 %) for temporary-account months; only months from 1998-01 count; no interest.
    The normal and the temporary sums are each rounded once, at the end. The personal
    account moves in full, with the interest already credited to it.
    """
    counted = [m for m in months if m.month >= POOLING_TRANSFER_START]
    normal_bases = sum((m.base for m in counted if m.kind != "temporary"), Decimal(0))
    temporary_dues = sum(
        (
            m.base * max(m.employer_rate, TRANSFER_POOLING_RATE)
            for m in counted
            if m.kind == "temporary"
        ),
        Decimal(0),
    )
    pooling = round_fen(normal_bases * TRANSFER_POOLING_RATE) + round_fen(temporary_dues)
    return TransferAmounts(pooling_amount=pooling, account_amount=round_fen(account_balance))


# Lump-sum back-payments (补缴) of 36 months or more need evidence to be transferable (§3.6).
LUMP_SUM_EVIDENCE_MONTHS: Final = 36


def lump_sum_transferable(
    *,
    months_covered: int,
    has_required_evidence: bool,
    lump_months: int = LUMP_SUM_EVIDENCE_MONTHS,
) -> bool:
    """Whether a lump-sum back-payment can move with the relationship (人社厅发〔2019〕94号).

    The caller decides which evidence was required: a written undertaking for payments
    made before 人社部规〔2016〕5号, a legal document pre-dating the payment after it.
    `lump_months` is RK-09's parameter, so the information sheet and the detector agree.
    """
    return months_covered < lump_months or has_required_evidence


# 人社部规〔2016〕5号 was issued on this day: a lump back-payment from then on needs a legal
# document; one before it, a written undertaking or a legal document (§3.6).
RULE_5_OF_2016: Final = date(2016, 11, 28)


def back_payment_evidence_sufficient(*, kind: str, document_date: date, paid_on: date) -> bool:
    """Whether a document proves a lump back-payment (人社厅发〔2019〕94号, §3.6).

    kind: "undertaking" (书面承诺书) or "legal_document" (法律文书: a judgment, audit finding,
    labour-inspection decision or arbitration award). After 规5号 only a legal document
    dated before the payment proves it; before, either kind does.
    """
    if paid_on >= RULE_5_OF_2016:
        return kind == "legal_document" and document_date < paid_on
    return kind in ("undertaking", "legal_document")


# --------------------------------------------------------------------------------------
# Temporary contribution account (临时基本养老保险缴费账户, §3.4)
# --------------------------------------------------------------------------------------

# Ages from which a move to a non-hukou province opens a temporary account.
TEMPORARY_ACCOUNT_AGE: Final = {"M": 50, "F": 40}


def needs_temporary_account(
    *,
    birth_month: Month,
    sex: Literal["M", "F"],
    hukou_province: str,
    destination_province: str,
    move_month: Month,
    organisational_transfer: bool,
) -> bool:
    """Whether a move opens a temporary account instead of a normal transfer (§3.4).

    A move to a province other than the hukou province by a man aged 50+ or a woman aged
    40+ (whole years reached at the move month) does, unless it is an approved
    organisational transfer (组织调动).
    """
    if sex not in TEMPORARY_ACCOUNT_AGE:
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
    if organisational_transfer or destination_province == hukou_province:
        return False
    age_months = birth_month.months_until(move_month)
    return age_months >= TEMPORARY_ACCOUNT_AGE[sex] * 12


# --------------------------------------------------------------------------------------
# Benefit-claim place (待遇领取地, §4)
# --------------------------------------------------------------------------------------

CLAIM_THRESHOLD_MONTHS: Final = 120  # "满10年"

SegmentKind = Literal["normal", "deemed", "temporary"]


@dataclass(frozen=True)
class Segment:
    """A stint in one province, in chronological order: actual, deemed (视同) or temporary."""

    province: str
    months: int
    kind: SegmentKind = "normal"

    def __post_init__(self) -> None:
        if self.kind not in get_args(SegmentKind):
            raise ValueError(f"unknown segment kind {self.kind!r}")
        if self.months < 0:
            raise ValueError(f"a segment cannot have negative months, got {self.months}")


@dataclass(frozen=True)
class ClaimPlace:
    province: str
    rule: Literal["R1", "R2", "R3", "R4"]
    explanation: str


def _province_name(code: str) -> str:
    names = PROVINCE_CODES.get(code)
    return f"{names[1]} ({code})" if names else code


def _months_by_province(segments: Sequence[Segment]) -> dict[str, int]:
    """Cumulative months per province; temporary-account months never count (§4.2)."""
    totals: dict[str, int] = defaultdict(int)
    for segment in segments:
        if segment.kind != "temporary":
            totals[segment.province] += segment.months
    return totals


def _earlier_qualifying(
    chain: Sequence[str], current: str, totals: Mapping[str, int]
) -> str | None:
    """R3: the most recent earlier province with at least 120 cumulative months."""
    for province in reversed(chain):
        if province != current and totals[province] >= CLAIM_THRESHOLD_MONTHS:
            return province
    return None


def claim_place(*, hukou_province: str, segments: Sequence[Segment]) -> ClaimPlace:
    """Where the pension is claimed, by the ordered rules R1 to R4 (§4.1, §4.3).

    The basic relationship is held by the last non-temporary segment: a temporary account
    never moves it. Months are cumulative per province and include deemed months.
    """
    if not segments:
        raise ValueError("a claim place needs at least one segment")
    totals = _months_by_province(segments)
    chain = [s.province for s in segments if s.kind != "temporary"]
    hukou = _province_name(hukou_province)
    if not chain:
        # Only temporary accounts: no relationship outside the hukou province exists.
        return ClaimPlace(
            hukou_province,
            "R4",
            f"There are only temporary-account periods, so everything is collected into the "
            f"hukou province {hukou}.",
        )
    current = chain[-1]
    here = _province_name(current)
    if current == hukou_province:
        return ClaimPlace(
            current,
            "R1",
            f"The basic relationship is held in the hukou province {here}, so the pension is "
            f"claimed there whatever the years.",
        )
    if totals[current] >= CLAIM_THRESHOLD_MONTHS:
        return ClaimPlace(
            current,
            "R2",
            f"The basic relationship is held in {here}, which has {totals[current]} cumulative "
            f"months (at least {CLAIM_THRESHOLD_MONTHS}), so the pension is claimed there.",
        )
    earlier = _earlier_qualifying(chain, current, totals)
    if earlier is not None:
        return ClaimPlace(
            earlier,
            "R3",
            f"{here} has only {totals[current]} cumulative months, so the relationship returns "
            f"to {_province_name(earlier)}, the most recent earlier province with at least "
            f"{CLAIM_THRESHOLD_MONTHS} ({totals[earlier]}).",
        )
    return ClaimPlace(
        hukou_province,
        "R4",
        f"No province reaches {CLAIM_THRESHOLD_MONTHS} cumulative months and the relationship "
        f"is not in the hukou province, so it is collected into the hukou province {hukou}.",
    )


# --------------------------------------------------------------------------------------
# Duplicate periods (重复缴费, §3.7)
# --------------------------------------------------------------------------------------

RelationshipKind = Literal["employer", "flexible"]


@dataclass(frozen=True)
class Relationship:
    """One insurance relationship's months (养老保险关系), e.g. the record held in one province.

    ``account_credits`` maps each contribution month to its personal-account credit.
    """

    label: str
    kind: RelationshipKind
    posted_on: date
    account_credits: Mapping[Month, Decimal]

    @property
    def months(self) -> frozenset[Month]:
        return frozenset(self.account_credits)


@dataclass(frozen=True)
class DuplicateResolution:
    kept: str
    dropped: str
    overlap: list[Month]
    refund: Decimal  # the dropped side's personal-account credits, refunded to the person
    distinct_months: int  # contribution months counted once


def overlapping_months(a: Iterable[Month], b: Iterable[Month]) -> list[Month]:
    """Months present on both sides, in calendar order."""
    return sorted(set(a) & set(b))


def _kept_and_dropped(
    a: Relationship, b: Relationship, chosen: str | None
) -> tuple[Relationship, Relationship]:
    """Employer beats flexible; otherwise the person's choice, by default the earlier-posted."""
    if a.kind != b.kind:
        kept = a if a.kind == "employer" else b
        if chosen not in (None, kept.label):
            raise ValueError(f"the employer relationship {kept.label} must be kept")
    elif chosen is not None:
        if chosen not in (a.label, b.label):
            raise ValueError(f"{chosen!r} is neither {a.label!r} nor {b.label!r}")
        kept = a if chosen == a.label else b
    else:
        # Ties go to the first argument so the result never depends on set ordering.
        kept = b if b.posted_on < a.posted_on else a
    return kept, (b if kept is a else a)


def duplicate_period_resolution(
    *, a: Relationship, b: Relationship, chosen: str | None = None
) -> DuplicateResolution:
    """Clean up two relationships that overlap in time (先转后清, §3.7).

    The dropped side's personal-account credits for the overlap are refunded to the person;
    its pooling part stays in the fund and does not appear here. Interest on the refund
    follows local rules and is added by the caller.
    """
    if a.label == b.label:
        raise ValueError("the two relationships need different labels")
    kept, dropped = _kept_and_dropped(a, b, chosen)
    overlap = overlapping_months(a.months, b.months)
    refund = sum((dropped.account_credits[m] for m in overlap), Decimal(0))
    return DuplicateResolution(
        kept=kept.label,
        dropped=dropped.label,
        overlap=overlap,
        refund=round_fen(refund),
        distinct_months=len(a.months | b.months),
    )


# --------------------------------------------------------------------------------------
# Procedure time limits (§3.5), in working days (工作日)
# --------------------------------------------------------------------------------------

# Each office step of 国办发〔2009〕66号 has 15 working days; the sending office's written
# notice of non-transferable periods has 10 (人社厅发〔2019〕94号).
STEP_WORKING_DAYS: Final = 15
NOTICE_WORKING_DAYS: Final = 10


def is_working_day(day: date, exceptions: Mapping[date, bool]) -> bool:
    """Monday to Friday, unless the published calendar says otherwise for that day.

    ``exceptions`` maps public holidays (False) and adjusted working weekends (调休, True).
    """
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(start: date, days: int, exceptions: Mapping[date, bool]) -> date:
    """The last day of a time limit of ``days`` working days counted from the day after
    ``start`` (the day of receipt itself does not count)."""
    if days < 1:
        raise ValueError(f"a time limit is at least one working day, got {days}")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day, exceptions)
    return day


# Pooling funds received may differ from the information sheet by at most this much (RK-18).
POOLING_TOLERANCE: Final = Decimal("1.00")


def pooling_mismatch(*, received: Decimal, expected: Decimal, tolerance: Decimal) -> bool:
    """Whether the pooling funds received differ from the sheet by more than the tolerance."""
    return abs(received - expected) > tolerance


# Which office must act while a transfer waits in a state (§3.5): the receiving office
# accepts or rejects the application, the sending office sends the sheet and the funds, the
# receiving office records the funds and completes.
ACTING_OFFICE: Final = {
    "applied": "receiving",
    "accepted": "sending",
    "sent": "receiving",
    "funds_received": "receiving",
}


def acting_office(status: str) -> str | None:
    """ "receiving" or "sending": the office that must take the next step; None when the
    transfer has ended (completed or rejected)."""
    return ACTING_OFFICE.get(status)
