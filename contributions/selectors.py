"""Reads of the ledger that more than one channel needs."""

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum

from contributions import rules
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    CreditingRate,
    DeemedService,
    Enrolment,
    InsuredPerson,
    PersonalAccountEntry,
    ProvincePolicy,
    Statement,
)
from contributions.rules import Month


class NoCreditingRate(Exception):
    """No crediting rate is known for the year (and province) asked."""

    code = "no_crediting_rate"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PaidMonth:
    month: Month
    province: str
    scheme: str
    base: Decimal
    account_part: Decimal
    is_temporary_account: bool
    kind: str


@dataclass(frozen=True)
class PersonRecord:
    """The national record of one person (电子档案袋)."""

    person: InsuredPerson
    enrolments: list[Enrolment]
    months: list[PaidMonth]
    months_by_province: dict[str, int]
    gaps: list[tuple[Month, Month]]
    account_balance: Decimal

    @property
    def contribution_months(self) -> int:
        """Distinct months paid anywhere: an overlap between provinces counts once."""
        return len({paid.month for paid in self.months})


def account_balance(*, person_id: int, as_of: date, province: str | None = None) -> Decimal:
    """Personal-account balance (个人账户余额) at the end of `as_of`, everywhere or in one
    province.

    Contribution credits are the records' account parts (reversals included, negative);
    every other movement is a personal-account entry.
    """
    where = {"person_id": person_id} | ({"province_id": province} if province else {})
    credits = ContributionRecord.objects.filter(**where, month__lte=as_of).aggregate(
        total=Sum("account_part")
    )["total"]
    entries = PersonalAccountEntry.objects.filter(**where, value_date__lte=as_of).aggregate(
        total=Sum("amount")
    )["total"]
    return (credits or Decimal("0.00")) + (entries or Decimal("0.00"))


def crediting_rate_for(year: int, province: str | None = None) -> tuple[Decimal, bool]:
    """The crediting rate of `year` and whether it is provisional (spec §2.1, Decisions).

    Before 2016, the rate `province` set; from 2016 the national rate. A national year
    without a rate uses the latest published one, provisionally.
    """
    if year < CreditingRate.NATIONAL_FROM:
        own = CreditingRate.objects.filter(year=year, province_id=province).first()
        if province is None or own is None:
            where = f"province {province}" if province else "a province (each set its own)"
            raise NoCreditingRate(f"no crediting rate of {year} for {where}")
        return own.rate, False
    rate = CreditingRate.objects.filter(year=year, province__isnull=True).first()
    if rate is not None:
        return rate.rate, rate.is_provisional
    latest = (
        CreditingRate.objects.filter(
            year__lt=year, year__gte=CreditingRate.NATIONAL_FROM, is_provisional=False
        )
        .order_by("-year")
        .first()
    )
    if latest is None:
        raise NoCreditingRate(f"no crediting rate published up to {year}")
    return latest.rate, True


MONTH_KEYS = [f"m{n}" for n in range(1, 13)]


def _account_movements(
    person_id: int, as_of: date
) -> tuple[dict[str, dict[str, Decimal]], set[str]]:
    """Per province, the account's movements up to `as_of`: the balance before its year
    ("opening") and each month of its year ("m1".."m12"); and the provinces where that
    year's interest is already posted. Two queries, whatever the history."""
    year_start = date(as_of.year, 1, 1)
    by_month = {
        key: Sum("moved", filter=Q(on__gte=year_start, on__month=n))
        for n, key in enumerate(MONTH_KEYS, start=1)
    }
    movements: dict[str, dict[str, Decimal]] = {}
    interest_posted: set[str] = set()
    for model, day, amount in (
        (ContributionRecord, "month", "account_part"),
        (PersonalAccountEntry, "value_date", "amount"),
    ):
        rows = (
            model.objects.filter(person_id=person_id, **{f"{day}__lte": as_of})
            .annotate(on=F(day), moved=F(amount))
            .values("province_id")
            .annotate(opening=Sum("moved", filter=Q(on__lt=year_start)), **by_month)
        )
        if model is PersonalAccountEntry:
            rows = rows.annotate(posted_interest=Count("id", filter=Q(interest_year=as_of.year)))
        for row in rows:
            totals = movements.setdefault(row["province_id"], defaultdict(Decimal))
            for key in ("opening", *MONTH_KEYS):
                totals[key] += row[key] or 0
            if row.get("posted_interest"):
                interest_posted.add(row["province_id"])
    return movements, interest_posted


def _interest_so_far(totals: dict[str, Decimal], rate: Decimal, month: int) -> Decimal:
    interest = rules.interest_to_month(
        opening_balance=totals["opening"],
        monthly_credits=[totals[key] for key in MONTH_KEYS],
        rate=rate,
        month=month,
    ).interest
    return max(interest, Decimal("0.00"))


def interest_so_far(*, person_id: int, province: str, day: date) -> Decimal:
    """The interest of `day`'s year up to its month in one province, computed, not posted
    (spec §2.3, Decisions): opening balance × r × m/12 plus monthly-product interest on the
    year's movements. Zero where that year's interest is already posted there."""
    movements, interest_posted = _account_movements(person_id, day)
    if province not in movements or province in interest_posted:
        return Decimal("0.00")
    rate, _ = crediting_rate_for(day.year, province)
    return _interest_so_far(movements[province], rate, day.month)


def account_balance_to_date(*, person_id: int, as_of: date) -> Decimal:
    """The personal-account balance a person is shown: what is posted up to `as_of`, plus
    the interest of `as_of`'s year so far where it is not posted yet (`interest_so_far`),
    in a fixed number of queries whatever the history."""
    movements, interest_posted = _account_movements(person_id, as_of)
    posted = sum((sum(t.values(), Decimal(0)) for t in movements.values()), Decimal("0.00"))
    pending = movements.keys() - interest_posted
    try:
        if as_of.year >= CreditingRate.NATIONAL_FROM:
            national = crediting_rate_for(as_of.year)[0] if pending else Decimal(0)
            rates = dict.fromkeys(pending, national)
        else:
            rates = {p: crediting_rate_for(as_of.year, p)[0] for p in pending}
    except NoCreditingRate:
        return posted
    return posted + sum(
        (_interest_so_far(movements[p], rate, as_of.month) for p, rate in rates.items()),
        Decimal("0.00"),
    )


def contribution_months(*, person_id: int, before: Month) -> int:
    """Contribution months before `before`: distinct months paid anywhere (an overlap counts
    once) plus deemed months (视同缴费), which count as contribution years (spec §4.2)."""
    paid = (
        ContributionRecord.objects.live()
        .filter(person_id=person_id, month__lt=before.first_day())
        .values("month")
        .distinct()
        .count()
    )
    deemed = DeemedService.objects.filter(
        person_id=person_id, until_month__lt=before.first_day()
    ).aggregate(months=Sum("months"))["months"]
    return paid + (deemed or 0)


def last_paid_month(*, person_id: int, province: str) -> Month | None:
    """The latest month that stands paid for a person in a province, if any."""
    latest = (
        ContributionRecord.objects.live()
        .filter(person_id=person_id, province_id=province)
        .aggregate(latest=Max("month"))["latest"]
    )
    return Month.from_date(latest) if latest else None


def _gaps(paid: list[Month]) -> list[tuple[Month, Month]]:
    """Runs of unpaid months between the first and the last paid month."""
    gaps = []
    for before, after in zip(paid, paid[1:], strict=False):
        if before.months_until(after) > 1:
            gaps.append((before + 1, after - 1))
    return gaps


def person_record(*, person_id: int, as_of: date) -> PersonRecord:
    """Everything the person's page and a province need, in five queries whatever the history."""
    person = InsuredPerson.objects.select_related("hukou_province").get(pk=person_id)
    enrolments = list(
        Enrolment.objects.filter(person_id=person_id)
        .select_related("province", "employer")
        .order_by("start_month", "id")
    )
    live = (
        ContributionRecord.objects.live()
        .filter(person_id=person_id)
        .order_by("month", "province_id")
        .values_list(
            "month",
            "province_id",
            "scheme",
            "base",
            "account_part",
            "is_temporary_account",
            "kind",
        )
    )
    months = [PaidMonth(Month.from_date(row[0]), *row[1:]) for row in live if row[0] <= as_of]
    by_province: dict[str, set[Month]] = defaultdict(set)
    for paid in months:
        by_province[paid.province].add(paid.month)
    return PersonRecord(
        person=person,
        enrolments=enrolments,
        months=months,
        months_by_province={code: len(paid) for code, paid in sorted(by_province.items())},
        gaps=_gaps(sorted({paid.month for paid in months})),
        account_balance=account_balance_to_date(person_id=person_id, as_of=as_of),
    )


@dataclass(frozen=True)
class RecordEntry:
    """One contribution record as the person's page shows it, with its provenance."""

    id: int
    month: Month
    province: str
    province_name: str
    employer: str
    scheme: str
    base: Decimal
    pooling_part: Decimal
    account_part: Decimal
    kind: str
    is_temporary_account: bool
    posted_at: datetime
    batch: str
    reversal_of: int | None
    reason: str
    stands: bool  # neither reversed nor a reversal (有效记录)


def standing_records(*, person_id: int, province: str, month: Month) -> QuerySet:
    """The person's records of one month in one province that stand (neither reversed nor
    a reversal): what a reversal of the month would cancel."""
    return ContributionRecord.objects.live().filter(
        person_id=person_id, province_id=province, month=month.first_day()
    )


def record_entries(*, person_id: int, month: Month | None = None) -> list[RecordEntry]:
    """Every contribution record of a person (of one month, if given), reversed ones and
    reversals included, in month order: the grid, the month details and the CSV read this."""
    live = ContributionRecord.objects.live().filter(pk=OuterRef("pk"))
    where = {"person_id": person_id} | ({"month": month.first_day()} if month else {})
    rows = (
        ContributionRecord.objects.filter(**where)
        .annotate(stands=Exists(live))
        .order_by("month", "province_id", "id")
        .values_list(
            "id",
            "month",
            "province_id",
            "province__name_zh",
            "employer__name",
            "scheme",
            "base",
            "pooling_part",
            "account_part",
            "kind",
            "is_temporary_account",
            "posted_at",
            "batch__public_id",
            "reversal_of_id",
            "reason",
            "stands",
        )
    )
    return [
        RecordEntry(
            id=row[0],
            month=Month.from_date(row[1]),
            province=row[2],
            province_name=row[3],
            employer=row[4] or "",
            scheme=row[5],
            base=row[6],
            pooling_part=row[7],
            account_part=row[8],
            kind=row[9],
            is_temporary_account=row[10],
            posted_at=row[11],
            batch=str(row[12] or ""),
            reversal_of=row[13],
            reason=row[14],
            stands=row[15],
        )
        for row in rows
    ]


def record_version_key(person_id: int) -> str:
    """The cache key of the token that names the current version of a person's record."""
    return f"record-version:{person_id}"


def record_version(*, person_id: int) -> str:
    """The version of the person's record: a token under which a rendering of it may be
    kept. The ledger drops the token whenever it posts for the person
    (`services.record_changed`), so the next reader draws a new one and renders afresh."""
    key = record_version_key(person_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, secrets.token_hex(8), timeout=None)  # the first of two readers wins
        token = cache.get(key)
    return token


@dataclass(frozen=True)
class ProvinceFreshness:
    """How far a province's data reaches: the latest month posted there, and when."""

    province: str
    posted_up_to: Month | None
    last_posted_at: datetime | None


def province_freshness(provinces: Iterable[str]) -> list[ProvinceFreshness]:
    """For each province, the latest contribution month on the ledger and the time of its
    latest batch, so a province that posts late does not look like a gap."""
    found = []
    for province in sorted(set(provinces)):
        latest = ContributionRecord.objects.filter(province_id=province).aggregate(
            latest=Max("month")
        )["latest"]
        batch = (
            ContributionBatch.objects.filter(province_id=province)
            .order_by("-id")
            .values_list("received_at", flat=True)
            .first()
        )
        found.append(
            ProvinceFreshness(province, Month.from_date(latest) if latest else None, batch)
        )
    return found


def record_gaps(
    *, person_id: int, as_of: date, transfers_from: frozenset[str] = frozenset()
) -> list[rules.GapRun]:
    """Every month from the person's first enrolment or payment to last month that is paid
    nowhere, classified by `rules.classify_gap` and grouped into runs (统一提醒)."""
    today = Month.from_date(as_of)
    stints = [
        rules.Stint(
            province=e.province_id,
            scheme=e.scheme,
            employer=e.employer.name if e.employer else "",
            first=Month.from_date(e.start_month),
            last=Month.from_date(e.end_month) if e.end_month else None,
        )
        for e in Enrolment.objects.filter(person_id=person_id).select_related("employer")
    ]
    paid = {
        Month.from_date(day)
        for day in ContributionRecord.objects.live()
        .filter(person_id=person_id, month__lte=as_of)
        .values_list("month", flat=True)
    }
    starts = [s.first for s in stints] + list(paid)
    if not starts:
        return []
    first, last = min(starts), today - 1  # this month is not due yet
    provinces = {s.province for s in stints}
    windows = dict(
        ProvincePolicy.objects.filter(
            province_id__in=provinces, year=today.year, flexible_payment_window_months__isnull=False
        ).values_list("province_id", "flexible_payment_window_months")
    )
    deemed = DeemedService.objects.filter(person_id=person_id).aggregate(until=Max("until_month"))
    posted_up_to = {f.province: f.posted_up_to for f in province_freshness(provinces)}
    missing = [
        rules.classify_gap(
            month,
            stints=stints,
            posted_up_to=posted_up_to,
            window_months=windows,
            transfers_from=transfers_from,
            deemed_until=Month.from_date(deemed["until"]) if deemed["until"] else None,
            today=today,
        )
        for month in (first + n for n in range(max(first.months_until(last) + 1, 0)))
        if month not in paid
    ]
    return rules.gap_runs(missing)


def statement_by_code(code: str) -> Statement | None:
    """An issued statement by the code printed on it (any case, spaces ignored)."""
    return Statement.objects.filter(code="".join(code.split()).upper()).first()


@dataclass(frozen=True)
class EstimateInputs:
    """What the person's record gives an estimate of their pension."""

    history: list[tuple[Decimal, Decimal]]  # (base, average wage of its province-year) a month
    unindexed_months: int  # paid months whose province-year has no average wage on file
    deemed_months: int
    balance_now: Decimal


def estimate_inputs(*, person_id: int, as_of: date) -> EstimateInputs:
    """The months paid (each once, at its highest base) against their province's average
    wage of the year, the deemed months and the balance to date."""
    paid: dict[date, tuple[str, Decimal]] = {}
    for month, province, base in (
        ContributionRecord.objects.live()
        .filter(person_id=person_id, month__lte=as_of)
        .order_by("month", "-base")
        .values_list("month", "province_id", "base")
    ):
        paid.setdefault(month, (province, base))
    wages = average_wages({p for p, _ in paid.values()}, {m.year for m in paid})
    history = [
        (base, wages[province, month.year])
        for month, (province, base) in paid.items()
        if (province, month.year) in wages
    ]
    deemed = DeemedService.objects.filter(person_id=person_id).aggregate(months=Sum("months"))
    return EstimateInputs(
        history=history,
        unindexed_months=len(paid) - len(history),
        deemed_months=deemed["months"] or 0,
        balance_now=account_balance_to_date(person_id=person_id, as_of=as_of),
    )


def latest_policy(province: str) -> ProvincePolicy | None:
    """The province's policy of the latest year on file."""
    return ProvincePolicy.objects.filter(province_id=province).order_by("-year").first()


def average_wages(provinces: Iterable[str], years: Iterable[int]) -> dict[tuple[str, int], Decimal]:
    """The average monthly wage of each province and year on file (社平工资)."""
    return {
        (province, year): wage
        for province, year, wage in ProvincePolicy.objects.filter(
            province_id__in=set(provinces), year__in=set(years)
        ).values_list("province_id", "year", "average_wage")
    }
