"""The caseworker's desk (the admin's front page): the work waiting on the caseworker's
office, the latest screening run and the reconciliation differences.

Every figure is read through the same scope rule as the admin list it links to, so the desk
never counts a row the list would not show.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from accounts import scope
from accounts.admin import ChangeRequestAdmin
from accounts.models import ChangeRequest, User
from contributions.models import ReconciliationResult, ReconciliationRun
from risk.admin import RiskFlagAdmin, ScreeningRunAdmin
from risk.models import RiskFlag, ScreeningRun
from transfers import selectors as transfer_selectors
from transfers.admin import TransferAdmin
from transfers.models import Transfer


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
    requests: list[Bar]
    flags: list[Bar]
    run: ScreeningRun | None
    differences: list[ReconciliationResult]

    @property
    def widest(self) -> int:
        """The longest bar of the charts, which the others are drawn against."""
        return max([bar.count for bar in self.transfers + self.requests + self.flags] or [1])


def desk_summary(user: User, *, today: date) -> Desk:
    """What waits on the user's office, as the admin lists show it."""
    transfers = transfer_selectors.waiting_on(
        scope.rows(user, Transfer.objects.all(), TransferAdmin.scope_rule), scope.provinces(user)
    )
    by_step = (
        transfers.values("status")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=Q(step_deadline__lt=today)))
        .order_by("-overdue", "status")
    )
    requests = (
        scope.rows(user, ChangeRequest.objects.all(), ChangeRequestAdmin.scope_rule)
        .filter(status=ChangeRequest.Status.PENDING)
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    flags = (
        scope.rows(user, RiskFlag.objects.all(), RiskFlagAdmin.scope_rule)
        .filter(status=RiskFlag.Status.OPEN)
        .values("rule_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "rule_id")
    )
    runs = scope.rows(user, ScreeningRun.objects.all(), ScreeningRunAdmin.scope_rule)
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
