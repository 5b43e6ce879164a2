"""Reads of the ledger that more than one channel needs."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Sum

from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    DeemedService,
    Enrolment,
    InsuredPerson,
    PersonalAccountEntry,
)
from contributions.rules import Month


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
        account_balance=account_balance(person_id=person_id, as_of=as_of),
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


def record_entries(*, person_id: int) -> list[RecordEntry]:
    """Every contribution record of a person, reversed ones and reversals included, in
    month order: the grid, the month details and the CSV read this one list."""
    live = ContributionRecord.objects.live().filter(pk=OuterRef("pk"))
    rows = (
        ContributionRecord.objects.filter(person_id=person_id)
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
