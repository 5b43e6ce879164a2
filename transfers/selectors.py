"""Reads of the transfer workflow: the working-day calendar and the information sheet."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from contributions import rules as contribution_rules
from contributions.models import (
    ContributionKind,
    ContributionRecord,
    DeemedService,
    Enrolment,
    InsuredPerson,
    ProvincePolicy,
    Scheme,
)
from contributions.rules import Month
from contributions.selectors import (
    EstimateInputs,
    crediting_rate_for,
    estimate_inputs,
    latest_policy,
    person_record,
)
from risk.models import BackPaymentEvidence
from transfers import rules
from transfers.models import CalendarDay, Transfer


def sending_provinces_in_flight(*, person_id: int) -> frozenset[str]:
    """Provinces sending a transfer of the person that is still being handled."""
    return frozenset(
        Transfer.objects.filter(person_id=person_id, status__in=Transfer.IN_FLIGHT).values_list(
            "from_province_id", flat=True
        )
    )


def deadline_after(start: date, working_days: int) -> date:
    """The last day of a time limit in working days, by the published calendar."""
    # Fifteen working days never span more than six weeks, even across the Spring Festival.
    horizon = start + timedelta(days=working_days * 3 + 14)
    exceptions = dict(
        CalendarDay.objects.filter(day__gt=start, day__lte=horizon).values_list(
            "day", "is_working_day"
        )
    )
    return rules.add_working_days(start, working_days, exceptions)


@dataclass(frozen=True)
class InformationSheet:
    """What the sending province sends (信息表): months that move and months that do not."""

    months: list[rules.TransferMonth]
    non_transferable: list[Month]

    @property
    def month_set(self) -> set[Month]:
        return {m.month for m in self.months}

    def as_json(self) -> dict:
        return {
            "months": [
                {"month": str(m.month), "base": str(m.base), "kind": m.kind} for m in self.months
            ],
            "non_transferable": [str(m) for m in self.non_transferable],
        }


def live_records(*, person_id: int, province: str):
    """The person's contribution records in a province that stand (not reversed)."""
    return ContributionRecord.objects.live().filter(person_id=person_id, province_id=province)


def paid_months(*, person_id: int, province: str) -> set[Month]:
    """Months the person has standing contributions for in a province."""
    return {
        Month.from_date(day)
        for day in live_records(person_id=person_id, province=province).values_list(
            "month", flat=True
        )
    }


def relationship_in(
    *, person_id: int, province: str, months: Iterable[Month]
) -> rules.Relationship | None:
    """The person's standing months of a province among `months`, as one relationship
    (§3.7): employer if any of them was paid by an employer, posted when the first was."""
    rows = live_records(person_id=person_id, province=province).filter(
        month__in=[month.first_day() for month in months]
    )
    credits: dict[Month, Decimal] = {}
    schemes, posted = set(), []
    for month, scheme, account_part, posted_at in rows.values_list(
        "month", "scheme", "account_part", "posted_at"
    ):
        key = Month.from_date(month)
        credits[key] = credits.get(key, Decimal(0)) + account_part
        schemes.add(scheme)
        posted.append(posted_at.date())
    if not credits:
        return None
    kind: rules.RelationshipKind = "employer" if Scheme.EMPLOYEE in schemes else "flexible"
    return rules.Relationship(
        label=province, kind=kind, posted_on=min(posted), account_credits=credits
    )


def temporary_accounts_held(*, person_id: int, excluding: Iterable[str] = ()) -> list[str]:
    """The provinces holding a temporary account (临时缴费账户) of the person not yet
    collected (§3.4): a temporary enrolment there, not transferred out, with standing
    months; `excluding` leaves provinces out."""
    held = (
        Enrolment.objects.filter(person_id=person_id, is_temporary_account=True)
        .exclude(status=Enrolment.Status.TRANSFERRED_OUT)
        .exclude(province_id__in=list(excluding))
        .values_list("province_id", flat=True)
    )
    paid = ContributionRecord.objects.live().filter(
        person_id=person_id, is_temporary_account=True, province_id__in=list(held)
    )
    return sorted(set(paid.values_list("province_id", flat=True)))


def original_insured_place(*, person_id: int) -> str | None:
    """The province where the person's basic relationship stays while temporary accounts
    are held elsewhere (原参保地): that of the latest normal enrolment not transferred out."""
    return (
        Enrolment.objects.filter(person_id=person_id, is_temporary_account=False)
        .exclude(status=Enrolment.Status.TRANSFERRED_OUT)
        .order_by("-start_month", "-pk")
        .values_list("province_id", flat=True)
        .first()
    )


def transfer_refusals(
    *, person_ids: Iterable[int], from_province: str, to_province: str
) -> dict[int, str]:
    """Why each of these persons may not apply for a transfer between the two provinces:
    the code of the first check that refuses (see `services.TRANSFER_REFUSALS`); a person
    who may apply is absent. The same few queries for one person or an employer's staff."""
    ids = set(person_ids)
    if from_province == to_province:
        return dict.fromkeys(ids, "same_province")
    refusals: dict[int, str] = {}

    def refuse(found: Iterable[int], code: str) -> None:
        for person_id in found:
            refusals.setdefault(person_id, code)

    refuse(
        InsuredPerson.objects.filter(pk__in=ids)
        .exclude(status=InsuredPerson.Status.ACTIVE)
        .values_list("pk", flat=True),
        "not_active",
    )
    there = Enrolment.objects.filter(person_id__in=ids, province_id=to_province)
    enrolled = set(there.values_list("person_id", flat=True))
    refuse(ids - enrolled, "not_enrolled_at_destination")
    normal = set(there.filter(is_temporary_account=False).values_list("person_id", flat=True))
    refuse(enrolled - normal, "temporary_account_only")
    refuse(
        Enrolment.objects.filter(
            person_id__in=ids, province_id=from_province, status=Enrolment.Status.ACTIVE
        ).values_list("person_id", flat=True),
        "still_enrolled_at_source",
    )
    paid = set(
        ContributionRecord.objects.live()
        .filter(person_id__in=ids, province_id=from_province)
        .values_list("person_id", flat=True)
        .distinct()
    )
    refuse(ids - paid, "nothing_to_transfer")
    refuse(
        Transfer.objects.filter(person_id__in=ids, status__in=Transfer.IN_FLIGHT).values_list(
            "person_id", flat=True
        ),
        "transfer_in_flight",
    )
    return refusals


def information_sheet(*, person_id: int, province: str, lump_months: int) -> InformationSheet:
    """The months and bases that move out of `province`, month by month.

    A lump back-payment (补缴) of `lump_months` or more in one batch moves only with its
    evidence (人社厅发〔2019〕94号); without it, its months stay behind (spec TR-12).
    """
    records = live_records(person_id=person_id, province=province)
    evidence = BackPaymentEvidence.objects.filter(
        person_id=person_id, batch_id=OuterRef("batch_id")
    )
    lumps = (
        records.filter(kind=ContributionKind.BACK_PAYMENT)
        .values("batch_id")
        .annotate(months=Count("month", distinct=True), proven=Exists(evidence))
    )
    held_back_batches = {
        lump["batch_id"]
        for lump in lumps
        if not rules.lump_sum_transferable(
            months_covered=lump["months"],
            has_required_evidence=lump["proven"],
            lump_months=lump_months,
        )
    }
    employer_rates = dict(
        ProvincePolicy.objects.filter(province_id=province).values_list("year", "employer_rate")
    )
    months, held_back = [], set()
    for record in records.order_by("month", "pk"):
        month = Month.from_date(record.month)
        if record.batch_id in held_back_batches:
            held_back.add(month)
            continue
        if record.is_temporary_account:
            kind = "temporary"
        elif record.scheme == Scheme.FLEXIBLE:
            kind = "flexible"
        else:
            kind = "normal"
        months.append(
            rules.TransferMonth(
                month=month,
                base=record.base,
                kind=kind,
                employer_rate=employer_rates.get(month.year, Decimal(0)),
            )
        )
    return InformationSheet(months=months, non_transferable=sorted(held_back))


def person_transfers(*, person_id: int) -> list[Transfer]:
    """A person's transfers, newest first, with their steps and provinces."""
    return list(
        Transfer.objects.filter(person_id=person_id)
        .select_related("from_province", "to_province")
        .prefetch_related("steps")
    )


def claim_place_at(
    *, person: InsuredPerson, as_of: date, months_to_come: int = 0
) -> rules.ClaimPlace | None:
    """Where the person would claim the pension (benefit-claim place, §4): the stints paid
    up to `as_of` in order (temporary-account months as such), the deemed service before
    them where it ended, plus `months_to_come` in the province insured in now. None before
    anything is counted."""
    # (when, province, kind, months): deemed service counts where and when it ended.
    stints: list[tuple[Month, str, rules.SegmentKind, int]] = [
        (Month.from_date(deemed.until_month), deemed.province_id, "deemed", deemed.months)
        for deemed in DeemedService.objects.filter(person=person)
    ]
    stints += [
        (paid.month, paid.province, "temporary" if paid.is_temporary_account else "normal", 1)
        for paid in person_record(person_id=person.pk, as_of=as_of).months
    ]
    segments: list[rules.Segment] = []
    for _, province, kind, months in sorted(stints, key=lambda stint: stint[0]):
        last = segments[-1] if segments else None
        if last is not None and (last.province, last.kind) == (province, kind):
            segments[-1] = rules.Segment(province, last.months + months, kind)
        else:
            segments.append(rules.Segment(province, months, kind))
    active = Enrolment.objects.filter(person=person, status=Enrolment.Status.ACTIVE).first()
    if active is not None and months_to_come:
        kind = "temporary" if active.is_temporary_account else "normal"
        segments.append(rules.Segment(active.province_id, months_to_come, kind))
    if not segments:
        return None
    return rules.claim_place(hukou_province=person.hukou_province_id, segments=segments)


# A future no one has described: average wages and the pension base grow 4 % a year.
DEFAULT_WAGE_GROWTH = Decimal("0.04")


@dataclass(frozen=True)
class PensionBasis:
    """What a person's pension at a retirement month is computed from (§5): the record to
    date, the claim place (§4) and the latest policy of that province."""

    birth_month: Month
    now: Month
    inputs: EstimateInputs
    claim: rules.ClaimPlace | None
    policy: ProvincePolicy | None
    crediting_rate: Decimal
    crediting_rate_provisional: bool

    def default_assumptions(self, retirement: Month) -> contribution_rules.Assumptions:
        """Contributing on at the record's own average index (kept within the base band),
        wages growing 4 % a year, the account credited at this year's rate."""
        history = self.inputs.history
        index = contribution_rules.average_index(months=history) if history else Decimal(1)
        return contribution_rules.Assumptions(
            retirement=retirement,
            base_index=min(max(index, Decimal("0.6")), Decimal(3)).quantize(Decimal("0.01")),
            wage_growth=DEFAULT_WAGE_GROWTH,
            crediting_rate=self.crediting_rate,
        )

    def project(
        self, assumptions: contribution_rules.Assumptions
    ) -> contribution_rules.Projection | None:
        """The monthly pension under `assumptions`; None without a policy to compute it by."""
        if self.policy is None:
            return None
        return contribution_rules.project_pension(
            history=self.inputs.history,
            deemed_months=self.inputs.deemed_months,
            balance_now=self.inputs.balance_now,
            now=self.now,
            birth_month=self.birth_month,
            average_wage_now=self.policy.average_wage,
            pension_base_now=self.policy.pension_base,
            transitional_coefficient=self.policy.transitional_coefficient or Decimal(0),
            assumptions=assumptions,
        )


def pension_basis(person: InsuredPerson, *, retirement: Month, as_of: date) -> PensionBasis:
    """The basis of the person's pension from `retirement`: their record up to `as_of`, and
    the claim place counting the months they would go on paying until then."""
    now = Month.from_date(as_of)
    claim = claim_place_at(
        person=person, as_of=as_of, months_to_come=max(now.months_until(retirement) - 1, 0)
    )
    rate, provisional = crediting_rate_for(now.year)
    return PensionBasis(
        birth_month=Month.from_date(person.birth_date),
        now=now,
        inputs=estimate_inputs(person_id=person.pk, as_of=as_of),
        claim=claim,
        policy=latest_policy(claim.province if claim else person.hukou_province_id),
        crediting_rate=rate,
        crediting_rate_provisional=provisional,
    )


def waiting_on(queryset: QuerySet, provinces: Iterable[str] | None) -> QuerySet:
    """The transfers whose next step is for an office of these provinces (None: any)."""
    condition = Q(pk__in=[])
    for status, office in rules.ACTING_OFFICE.items():
        field = "to_province" if office == "receiving" else "from_province"
        where = {f"{field}__in": provinces} if provinces is not None else {}
        condition |= Q(status=status, **where)
    return queryset.filter(condition)
