"""Maker-checker (双人复核) for manual ledger-changing actions.

A caseworker asks (`change_request`); a different caseworker holding the same permission,
whose scope holds the same row, decides (`change_decide`). Approval runs the one service
that does the work, with the maker recorded as the one who posted it; both decisions go to
the audit trail. Views and admin actions call these two functions and nothing else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from accounts import scope
from accounts.authentication import ProvincialSystem
from accounts.models import ChangeRequest, User
from accounts.scope import Rows
from accounts.services import audit_record
from contributions import services as ledger
from contributions.models import ContributionRecord, InsuredPerson, SuspenseItem
from contributions.rules import Month
from risk import services as risk_services
from risk.models import RiskRule
from transfers import services as transfer_services

Kind = ChangeRequest.Kind


class ApprovalError(Exception):
    """A request or a decision that is not allowed, with the reason."""


@dataclass(frozen=True)
class KindRule:
    """What a kind of request needs and does."""

    model: type[Model]
    permission: str
    rows: Callable[[User], Rows]  # the subjects the user's scope holds
    run: Callable[[Any, dict[str, Any], User | None], None]  # the service call, on approval


def _reverse(record: ContributionRecord, payload: dict[str, Any], maker: User | None) -> None:
    ledger.contribution_reverse(record=record, reason=payload["reason"], posted_by=maker)


def _reinstate(item: SuspenseItem, payload: dict[str, Any], maker: User | None) -> None:
    person = InsuredPerson.objects.filter(id_number=item.id_number).first()
    if person is None:
        raise ledger.LedgerError("unknown_person", "no person with this ID number yet")
    ledger.suspense_reinstate(item=item, person=person, posted_by=maker)


def _retire(person: InsuredPerson, payload: dict[str, Any], maker: User | None) -> None:
    transfer_services.pension_claim(
        person=person,
        month=Month.parse(payload["month"]),
        special_route=payload["special_route"],
        on=timezone.localdate(),
        by=maker,
    )


def _change_rule(rule: RiskRule, payload: dict[str, Any], maker: User | None) -> None:
    try:
        risk_services.rule_change(rule=rule, **payload, by=maker)
    except risk_services.ScreeningError as error:
        raise ledger.LedgerError("invalid_rule_change", str(error)) from None


def _national_rules(user: User) -> Rows:
    # Rules are national: a change anywhere changes every province's screening.
    return RiskRule.objects.all() if scope.scope_of(user).is_nation else RiskRule.objects.none()


KINDS: dict[str, KindRule] = {
    Kind.REVERSAL: KindRule(
        ContributionRecord,
        "contributions.reverse_contributionrecord",
        lambda user: scope.person_rows(user, ContributionRecord.objects.all()),
        _reverse,
    ),
    Kind.REINSTATEMENT: KindRule(
        SuspenseItem,
        "contributions.reinstate_suspenseitem",
        lambda user: scope.province_rows(user, SuspenseItem.objects.all()),
        _reinstate,
    ),
    Kind.RETIREMENT: KindRule(
        InsuredPerson, "contributions.approve_retirement", scope.persons, _retire
    ),
    Kind.RULE_CHANGE: KindRule(RiskRule, "risk.change_riskrule", _national_rules, _change_rule),
}


def _subject(kind: str, obj: Model) -> str:
    return f"{obj._meta.model_name}:{obj.pk}"


def _may(user: User, kind: str, pk: Any) -> bool:
    rule = KINDS[kind]
    return user.has_perm(rule.permission) and rule.rows(user).filter(pk=pk).exists()


def change_request(
    *,
    kind: str,
    subject: Model,
    payload: dict[str, Any],
    summary: str,
    by: User | ProvincialSystem,
) -> ChangeRequest:
    """Ask for a change; it waits for a checker. One pending request per subject. A
    provincial system asks only for the retirement of a person of its province."""
    if isinstance(by, ProvincialSystem):
        if kind != Kind.RETIREMENT or not scope.persons(by).filter(pk=subject.pk).exists():
            raise ApprovalError("A provincial system asks only for its persons' retirements.")
    elif not _may(by, kind, subject.pk):
        raise ApprovalError("You may not ask for this change of this record.")
    person = subject if isinstance(subject, InsuredPerson) else getattr(subject, "person", None)
    with transaction.atomic():
        if ChangeRequest.objects.filter(
            kind=kind, subject=_subject(kind, subject), status=ChangeRequest.Status.PENDING
        ).exists():
            raise ApprovalError("A request for this record is already waiting for a checker.")
        request = ChangeRequest.objects.create(
            kind=kind,
            subject=_subject(kind, subject),
            person=person,
            province_id=getattr(subject, "province_id", None),
            payload=payload,
            summary=summary[:300],
            made_by=by if isinstance(by, User) else None,
            made_by_client=by.client if isinstance(by, ProvincialSystem) else None,
        )
        audit_record(
            actor=by,
            action="change_request",
            subject=request.subject,
            detail={"request": request.pk, "kind": kind, "payload": payload},
        )
    return request


def change_decide(
    *, request: ChangeRequest, approve: bool, by: User, note: str = ""
) -> ChangeRequest:
    """Approve (the service runs) or refuse a pending request, as a second person."""
    with transaction.atomic():
        request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ChangeRequest.Status.PENDING:
            raise ApprovalError(f"This request is already {request.get_status_display()}.")
        if by.pk == request.made_by_id:
            raise ApprovalError("A second person decides: the maker cannot check their own.")
        subject_pk = request.subject.rsplit(":", 1)[1]
        if not _may(by, request.kind, subject_pk):
            raise ApprovalError("You may not decide a change of this record.")
        if not approve and not note.strip():
            raise ApprovalError("Say why the request is refused.")
        status: str = ChangeRequest.Status.REFUSED
        if approve:
            status, request.outcome = _run(request, subject_pk)
        request.status = status
        request.decided_by = by
        request.decided_at = timezone.now()
        request.note = note.strip()[:500]
        request.save(update_fields=["status", "decided_by", "decided_at", "note", "outcome"])
        audit_record(
            actor=by,
            action=f"change_{status}",
            subject=request.subject,
            detail={"request": request.pk, "maker": request.made_by_id, "note": request.note},
        )
    return request


def _run(request: ChangeRequest, subject_pk: str) -> tuple[str, str]:
    rule = KINDS[request.kind]
    subject = rule.model._default_manager.get(pk=subject_pk)
    try:
        with transaction.atomic():
            rule.run(subject, request.payload, request.made_by)
    except ledger.LedgerError as error:
        return ChangeRequest.Status.FAILED, error.message
    return ChangeRequest.Status.APPROVED, "done"
