"""The caseworker's desk: on the admin's front page, the work waiting on the caseworker's
office, the latest screening run and the reconciliation differences; on a person's page,
the person's national record.

Every figure is read through the same scope rule as the admin list it links to (the named
rules of `accounts.scope`), so the desk never counts a row the list would not show.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from accounts import scope
from accounts.models import ChangeRequest, User
from contributions import rules
from contributions import selectors as contribution_selectors
from contributions.models import (
    CorrectionCase,
    InsuredPerson,
    ReconciliationResult,
    ReconciliationRun,
)
from contributions.rules import GapRun, Month
from risk.models import RiskFlag, ScreeningRun
from transfers import selectors as transfer_selectors
from transfers.models import Transfer
from transfers.rules import ClaimPlace


@dataclass(frozen=True)
class Bar:
    """One row of a chart and of the table beside it."""

    label: str
    count: int
    overdue: int = 0
    link: str = ""


@dataclass(frozen=True)
class Desk:
    transfers: list[Bar]
    corrections: list[Bar]
    requests: list[Bar]
    flags: list[Bar]
    run: ScreeningRun | None
    differences: list[ReconciliationResult]

    @property
    def widest(self) -> int:
        """The longest bar of the charts, which the others are drawn against."""
        bars = self.transfers + self.corrections + self.requests + self.flags
        return max([bar.count for bar in bars] or [1])


def desk_summary(user: User, *, today: date) -> Desk:
    """What waits on the user's office, as the admin lists show it."""
    transfers = transfer_selectors.waiting_on(
        scope.rows(user, Transfer.objects.all(), scope.TRANSFER_ROWS), scope.provinces(user)
    )
    by_step = (
        transfers.values("status")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=Q(step_deadline__lt=today)))
        .order_by("-overdue", "status")
    )
    corrections = (
        scope.rows(user, CorrectionCase.objects.all(), scope.CORRECTION_ROWS)
        .filter(status=CorrectionCase.Status.OPEN)
        .values("province_id")
        .annotate(count=Count("pk"))
        .order_by("province_id")
    )
    requests = (
        scope.rows(user, ChangeRequest.objects.all(), scope.CHANGE_REQUEST_ROWS)
        .filter(status=ChangeRequest.Status.PENDING)
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    flags = (
        scope.rows(user, RiskFlag.objects.all(), scope.FLAG_ROWS)
        .filter(status=RiskFlag.Status.OPEN)
        .values("rule_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "rule_id")
    )
    runs = scope.rows(user, ScreeningRun.objects.all(), scope.SCREENING_ROWS)
    reconciliation = ReconciliationRun.objects.first()
    differences = (
        scope.province_rows(user, reconciliation.results.exclude(difference=0))
        .select_related("province")
        .order_by("province_id", "account")
        if reconciliation
        else ReconciliationResult.objects.none()
    )
    statuses = dict(Transfer.Status.choices)
    kinds = dict(ChangeRequest.Kind.choices)
    return Desk(
        transfers=[
            Bar(statuses[row["status"]], row["count"], row["overdue"],
                f"transfers/transfer/?waiting=us&status__exact={row['status']}")
            for row in by_step
        ],
        corrections=[
            Bar(row["province_id"], row["count"], link="contributions/correctioncase/"
                f"?status__exact=open&province__code__exact={row['province_id']}")
            for row in corrections
        ],
        requests=[
            Bar(kinds[row["kind"]], row["count"],
                link=f"accounts/changerequest/?status__exact=pending&kind__exact={row['kind']}")
            for row in requests
        ],
        flags=[
            Bar(row["rule_id"], row["count"],
                link=f"risk/riskflag/?status__exact=open&rule__code__exact={row['rule_id']}")
            for row in flags
        ],
        run=runs.order_by("-pk").first(),
        differences=list(differences),
    )  # fmt: skip


@dataclass(frozen=True)
class PersonSummary:
    """The national record of one person as a caseworker sees it on the person's page."""

    record: contribution_selectors.PersonRecord
    contribution_months: int
    minimum_months: int
    balance: Decimal
    payable_gaps: list[GapRun]
    claim: ClaimPlace | None
    flags: list[RiskFlag]
    transfers: list[Transfer]
    requests: list[ChangeRequest]


def _minimum_months(person: InsuredPerson) -> int:
    """The contribution months needed for a pension in the person's statutory year (§6.3)."""
    statutory = rules.statutory_retirement(
        birth_month=Month.from_date(person.birth_date),
        category=rules.RetirementCategory(person.retirement_category),
    )
    return rules.minimum_contribution_months(statutory.month.year)


def _payable_gaps(person: InsuredPerson, today: date) -> list[GapRun]:
    runs = contribution_selectors.record_gaps(person_id=person.pk, as_of=today)
    return [run for run in runs if run.kind.payable]


def _contribution_months(person: InsuredPerson, today: date) -> int:
    # Paid and deemed months counted once, as RK-19 counts them.
    next_month = Month.from_date(today) + 1
    return contribution_selectors.contribution_months(person_id=person.pk, before=next_month)


def person_summary(person: InsuredPerson, user: User, *, today: date) -> PersonSummary:
    """Months by province, balance, gaps still payable, claim place, and the person's open
    flags, transfers and requests waiting for a checker that the user may see."""
    mine = {"person_id": person.pk}
    return PersonSummary(
        record=contribution_selectors.person_record(person_id=person.pk, as_of=today),
        contribution_months=_contribution_months(person, today),
        minimum_months=_minimum_months(person),
        balance=contribution_selectors.account_balance_to_date(person_id=person.pk, as_of=today),
        payable_gaps=_payable_gaps(person, today),
        claim=transfer_selectors.claim_place_at(person=person, as_of=today),
        flags=list(
            scope.rows(user, RiskFlag.objects.filter(**mine), scope.FLAG_ROWS)
            .filter(status=RiskFlag.Status.OPEN)
            .order_by("rule_id")
        ),
        transfers=list(
            scope.rows(user, Transfer.objects.filter(**mine), scope.TRANSFER_ROWS)
            .select_related("from_province", "to_province")
            .order_by("-applied_on")
        ),
        requests=list(
            scope.rows(user, ChangeRequest.objects.filter(**mine), scope.CHANGE_REQUEST_ROWS)
            .filter(status=ChangeRequest.Status.PENDING)
            .order_by("-made_at")
        ),
    )


@dataclass(frozen=True)
class RetirementFacts:
    """What a maker and a checker read before a retirement: the flexible window, the
    months against the minimum (RK-19), the missed months still payable, the claim place,
    and the pension computed from the record for the month asked (or the statutory one)."""

    earliest: Month
    latest: Month
    contribution_months: int
    minimum_months: int
    missed_months: int
    claim: ClaimPlace | None
    pension_from: Month
    pension: rules.Projection | None
    unindexed_months: int  # paid, but no average wage of their province-year on file

    def summary(self, person: InsuredPerson) -> str:
        """The facts in one line, as a confirmation page lists them."""
        claim = self.claim
        line = (
            f"{person}: may retire from {self.earliest} to {self.latest}; "
            f"{self.contribution_months} of {self.minimum_months} months; "
            f"{self.missed_months} missed month(s) can still be paid; claim place "
            + (f"{claim.province} ({claim.rule}: {claim.explanation})" if claim else "none yet")
        )
        pension = self.pension
        if pension is None:
            return f"{line}; no policy to compute the pension by"
        estimate = pension.estimate
        return (
            f"{line}; pension from {self.pension_from}: {estimate.total} a month (basic "
            f"{estimate.basic} at average index {pension.average_index} over "
            f"{pension.contribution_months} months, account {pension.account_balance} / "
            f"{estimate.divisor} = {estimate.account}, transitional {estimate.transitional})"
            + (
                f"; {self.unindexed_months} month(s) paid have no average wage on file and "
                "are not counted"
                if self.unindexed_months
                else ""
            )
        )


def retirement_facts(
    person: InsuredPerson, *, today: date, month: Month | None = None
) -> RetirementFacts:
    """The facts of a retirement of the person from `month` (by default the statutory
    month, or this month if that has passed), from their national record."""
    birth_month = Month.from_date(person.birth_date)
    category = rules.RetirementCategory(person.retirement_category)
    earliest, latest = rules.flexible_window(birth_month=birth_month, category=category)
    if month is None:
        statutory = rules.statutory_retirement(birth_month=birth_month, category=category)
        month = max(statutory.month, Month.from_date(today))
    basis = transfer_selectors.pension_basis(person, retirement=month, as_of=today)
    return RetirementFacts(
        earliest=earliest,
        latest=latest,
        contribution_months=_contribution_months(person, today),
        minimum_months=_minimum_months(person),
        missed_months=sum(run.months for run in _payable_gaps(person, today)),
        claim=basis.claim,
        pension_from=month,
        pension=basis.project(basis.default_assumptions(month)),
        unindexed_months=basis.inputs.unindexed_months,
    )
