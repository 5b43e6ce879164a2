"""The transfer workflow (转移接续经办, §3.5): one function per office step.

Each step checks the transfer is in the state it follows, records who did it and when,
sets the deadline of the next step in working days, and runs the in-process risk rules
of that step: RK-23 (a step done late) always, RK-16 when the information sheet is sent,
RK-18 when the funds arrive. The money moves through transfer clearing: the sending
province's entry credits its clearing account, the receiving province's debits its own;
each entry balances within its province, and across provinces the clearing accounts net
to zero once the funds received match the funds sent.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Agency, User
from accounts.services import audit_record
from contributions.accounting import interest_to_transfer
from contributions.models import (
    AccountEntryKind,
    Employer,
    Enrolment,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    PersonalAccountEntry,
    Scheme,
)
from contributions.rules import Month
from contributions.selectors import account_balance
from contributions.services import (
    LedgerError,
    enrolment_open,
    enrolments_open_together,
    journal_post,
    person_retire,
    risk_enforce,
)
from risk import checks as risk_checks
from risk import services as risk_services
from transfers import rules, selectors
from transfers.models import Transfer, TransferStep

IN_FLIGHT = Transfer.IN_FLIGHT


def _subject(transfer: Transfer) -> str:
    return f"transfer:{transfer.public_id}"


def _begin_step(transfer: Transfer, expected: str, *, on: date) -> Transfer:
    """Lock the transfer and check the step may be taken: in the state it follows, dated
    no earlier than the step before; a step done after its deadline files RK-23."""
    current = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if current.status != expected:
        raise LedgerError(
            "wrong_step",
            f"the transfer is {current.get_status_display()}, not "
            f"{Transfer.Status(expected).label}",
            field="status",
            kind="conflict",
        )
    _check_step_date(current, on)
    settings = risk_services.rule_settings(["RK-23"])
    findings = risk_checks.step_deadline_checks(
        step=f"step:{current.status}", done_on=on, deadline=current.step_deadline, settings=settings
    )
    risk_enforce(findings, settings, current.to_province_id, current.person_id, _subject(current))
    return current


def _check_step_date(transfer: Transfer, on: date) -> None:
    if on < (transfer.steps.order_by("-on").values_list("on", flat=True).first() or on):
        raise LedgerError("date_before_previous_step", "a step cannot precede the one before it")


def _advance(
    transfer: Transfer, *, status: str, on: date, by: User | None, note: str = ""
) -> Transfer:
    transfer.status = status
    transfer.step_deadline = (
        selectors.deadline_after(on, rules.STEP_WORKING_DAYS) if status in IN_FLIGHT else None
    )
    transfer.save()
    TransferStep.objects.create(
        transfer=transfer, person_id=transfer.person_id, status=status, on=on, by=by, note=note
    )
    return transfer


# Why an application is refused: code → (message, field, kind).
TRANSFER_REFUSALS: dict[str, tuple[str, str | None, str]] = {
    "same_province": ("a transfer goes to another province", "to", "invalid"),
    "not_active": ("people receiving a pension are not transferred", "person", "invalid"),
    "not_enrolled_at_destination": (
        "apply after joining the scheme in the receiving province",
        "to",
        "invalid",
    ),
    "temporary_account_only": (
        "a temporary account (临时缴费账户) takes no transfer: it is collected into the "
        "original place at the next move or at eligibility",
        "to",
        "invalid",
    ),
    "still_enrolled_at_source": (
        "the person still contributes in the sending province: that enrolment is "
        "suspended or closed first",
        "from",
        "invalid",
    ),
    "nothing_to_transfer": ("no contributions were paid in that province", "from", "invalid"),
    "transfer_in_flight": ("another transfer is already being handled", None, "conflict"),
}


def transfer_apply(
    *,
    person: InsuredPerson,
    from_province: str,
    to_province: str,
    applied_on: date,
    by: User | None = None,
) -> Transfer:
    """File a transfer application with the receiving office (转入地受理申请).

    The person must have joined the receiving province already (not only with a temporary
    account), hold months in the sending province and no longer contribute there, not
    receive a pension, and have no other transfer in flight.
    """
    with transaction.atomic():
        applied, refused = transfers_apply_together(
            persons=[person],
            from_province=from_province,
            to_province=to_province,
            applied_on=applied_on,
            by=by,
        )
    if refused:
        message, field, kind = TRANSFER_REFUSALS[refused[person.pk]]
        raise LedgerError(refused[person.pk], message, field=field, kind=kind)
    return applied[0]


def transfers_apply_together(
    *,
    persons: Sequence[InsuredPerson],
    from_province: str,
    to_province: str,
    applied_on: date,
    by: User | None = None,
) -> tuple[list[Transfer], dict[int, str]]:
    """File applications for several persons at once by `transfer_apply`'s rules (an
    employer's staff moving together): the transfers filed, and the refusal code of each
    person refused. Takes the persons' row locks, so each has one transfer in flight."""
    ids = sorted(person.pk for person in persons)
    list(InsuredPerson.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    refused = selectors.transfer_refusals(
        person_ids=ids, from_province=from_province, to_province=to_province
    )
    deadline = selectors.deadline_after(applied_on, rules.STEP_WORKING_DAYS)
    applied = Transfer.objects.bulk_create(
        Transfer(
            person=person,
            from_province_id=from_province,
            to_province_id=to_province,
            applied_on=applied_on,
            status=Transfer.Status.APPLIED,
            step_deadline=deadline,
        )
        for person in persons
        if person.pk not in refused
    )
    TransferStep.objects.bulk_create(
        TransferStep(
            transfer=transfer,
            person_id=transfer.person_id,
            status=Transfer.Status.APPLIED,
            on=applied_on,
            by=by,
        )
        for transfer in applied
    )
    return applied, refused


def temporary_accounts_collect(
    *, person: InsuredPerson, into: str, on: date, by: User | None = None
) -> tuple[list[Transfer], dict[str, str]]:
    """Collect the person's temporary accounts (临时缴费账户) into `into`, the original
    insured place or the benefit place (§3.4): a transfer filed from each province holding
    one, which moves every month with interest, the employer part at the actual rate if
    above 12 %. Returns the transfers filed and the refusal code of each province that
    could not be filed (one transfer in flight at a time, an enrolment still open there)."""
    filed: list[Transfer] = []
    refused: dict[str, str] = {}
    for province in selectors.temporary_accounts_held(person_id=person.pk, excluding=[into]):
        applied, refusals = transfers_apply_together(
            persons=[person], from_province=province, to_province=into, applied_on=on, by=by
        )
        if refusals:
            refused[province] = refusals[person.pk]
        for transfer in applied:
            audit_record(
                actor=by,
                action="temporary_account_collect",
                subject=_subject(transfer),
                detail={"from": province, "into": into},
            )
        filed += applied
    return filed, refused


def enrolment_open_moving(
    *, person: InsuredPerson, province: str, on: date, **fields: Any
) -> tuple[Enrolment, bool]:
    """Open an enrolment (`contributions.services.enrolment_open`); when it is a move to
    another province, the temporary accounts held elsewhere are collected into the
    original insured place at once (§3.4: at the next cross-province move)."""
    with transaction.atomic():
        original = selectors.original_insured_place(person_id=person.pk)
        enrolment, created = enrolment_open(person=person, province=province, **fields)
        if created and original is not None:
            temporary_accounts_collect(person=person, into=original, on=on)
    return enrolment, created


def pension_claim(
    *, person: InsuredPerson, month: Month, special_route: bool, on: date, by: User | None = None
) -> InsuredPerson:
    """Approve a retirement (`contributions.services.person_retire`) after collecting the
    temporary accounts into the benefit place (§3.4: at benefit eligibility)."""
    with transaction.atomic():
        claim = selectors.claim_place_at(person=person, as_of=on)
        if claim is not None:
            temporary_accounts_collect(person=person, into=claim.province, on=on, by=by)
        return person_retire(person=person, month=month, special_route=special_route)


def transfer_accept(*, transfer: Transfer, on: date, by: User | None = None) -> Transfer:
    """The receiving office accepts and sends the contact letter (联系函), ≤ 15 working days."""
    with transaction.atomic():
        transfer = _begin_step(transfer, Transfer.Status.APPLIED, on=on)
        transfer.accepted_on = on
        transfer.notice_deadline = selectors.deadline_after(on, rules.NOTICE_WORKING_DAYS)
        return _advance(transfer, status=Transfer.Status.ACCEPTED, on=on, by=by)


def transfer_reject(
    *, transfer: Transfer, on: date, reason: str, by: User | None = None
) -> Transfer:
    """The receiving office refuses, with the written explanation the applicant gets."""
    if not reason.strip():
        raise LedgerError("reason_required", "say why the transfer is refused", field="reason")
    with transaction.atomic():
        transfer = _begin_step(transfer, Transfer.Status.APPLIED, on=on)
        transfer.rejected_on = on
        transfer.rejection_reason = reason.strip()
        return _advance(transfer, status=Transfer.Status.REJECTED, on=on, by=by, note=reason)


def transfer_cancel(
    *, transfer: Transfer, on: date, reason: str, by: User | None = None
) -> Transfer:
    """Withdraw the application (撤销申请), by the person or the receiving office, while
    nothing has moved: before the sending office sends the sheet and the funds."""
    if not reason.strip():
        raise LedgerError("reason_required", "say why the transfer is cancelled", field="reason")
    with transaction.atomic():
        current = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if current.status not in Transfer.CANCELLABLE:
            raise LedgerError(
                "not_cancellable",
                f"the transfer is {current.get_status_display()}: only an application not yet "
                "sent can be cancelled",
                field="status",
                kind="conflict",
            )
        _check_step_date(current, on)
        current.cancelled_on = on
        return _advance(
            current, status=Transfer.Status.CANCELLED, on=on, by=by, note=reason.strip()
        )


def information_sheet_due(transfer: Transfer) -> selectors.InformationSheet:
    """The information sheet (信息表) the sending office sends: a lump back-payment moves
    only with its evidence, from the length RK-09 is set to (36 months by default)."""
    setting = risk_services.rule_settings(["RK-09"])["RK-09"]
    return selectors.information_sheet(
        person_id=transfer.person_id,
        province=transfer.from_province_id,
        lump_months=int(setting.parameters.get("lump_months", rules.LUMP_SUM_EVIDENCE_MONTHS)),
    )


def transfer_send(*, transfer: Transfer, on: date, by: User | None = None) -> Transfer:
    """The sending office sends the information sheet and remits the funds (转出).

    The account moves with its interest of the year up to the sending month; the person's
    enrolments in the sending province become transferred out (转出).

    Months of a lump back-payment without evidence stay behind; the person is told in
    writing within 10 working days of the letter (RK-23 checks that deadline too).
    Months already paid in the receiving province are flagged (RK-16, 先转后清).
    """
    with transaction.atomic():
        transfer = _begin_step(transfer, Transfer.Status.ACCEPTED, on=on)
        settings = risk_services.rule_settings(["RK-16", "RK-23"])
        sheet = information_sheet_due(transfer)
        findings = risk_checks.transfer_in_checks(
            sheet_months=sheet.month_set,
            local_months=selectors.paid_months(
                person_id=transfer.person_id, province=transfer.to_province_id
            ),
            settings=settings,
        )
        if sheet.non_transferable:
            findings += risk_checks.step_deadline_checks(
                step="notice", done_on=on, deadline=transfer.notice_deadline, settings=settings
            )
        risk_enforce(
            findings, settings, transfer.to_province_id, transfer.person_id, _subject(transfer)
        )
        interest_to_transfer(
            person_id=transfer.person_id, province=transfer.from_province_id, day=on, posted_by=by
        )
        amounts = rules.transfer_amounts(
            months=sheet.months,
            account_balance=account_balance(
                person_id=transfer.person_id, as_of=on, province=transfer.from_province_id
            ),
        )
        source = transfer.from_province_id
        entry = journal_post(
            event=JournalEntry.Event.TRANSFER,
            description=f"transfer out {transfer.public_id}",
            posted_by=by,
            lines=[
                (source, FundAccount.ACCOUNT_LIABILITY, amounts.account_amount),
                (source, FundAccount.POOLING_FUND, amounts.pooling_amount),
                (source, FundAccount.TRANSFER_CLEARING, -amounts.total),
            ],
        )
        if amounts.account_amount:
            PersonalAccountEntry.objects.create(
                person_id=transfer.person_id,
                province_id=source,
                kind=AccountEntryKind.TRANSFER_OUT,
                amount=-amounts.account_amount,
                value_date=on,
                journal_entry=entry,
            )
        Enrolment.objects.filter(person_id=transfer.person_id, province_id=source).update(
            status=Enrolment.Status.TRANSFERRED_OUT
        )
        transfer.sent_on = on
        transfer.sheet = sheet.as_json()
        transfer.account_amount = amounts.account_amount
        transfer.pooling_amount = amounts.pooling_amount
        note = (
            f"{len(sheet.non_transferable)} month(s) stay behind: "
            f"{', '.join(str(m) for m in sheet.non_transferable)}"
            if sheet.non_transferable
            else ""
        )
        return _advance(transfer, status=Transfer.Status.SENT, on=on, by=by, note=note)


def transfer_funds_receive(
    *, transfer: Transfer, on: date, pooling_received: Decimal, by: User | None = None
) -> Transfer:
    """The receiving office records the funds that arrived (资金到账).

    The personal account moves as the sheet states it; the pooling funds are what the bank
    credited, checked against the sheet (RK-18). A difference shows as the net of the two
    provinces' transfer clearing until it is settled.
    """
    if pooling_received is None or pooling_received < 0:
        raise LedgerError(
            "invalid_amount", "the pooling funds received cannot be negative", field="pooling"
        )
    with transaction.atomic():
        transfer = _begin_step(transfer, Transfer.Status.SENT, on=on)
        due, account_amount, sent_on = (
            transfer.pooling_amount,
            transfer.account_amount,
            transfer.sent_on,
        )
        if due is None or account_amount is None or sent_on is None:  # set when it was sent
            raise LedgerError("not_sent", "the transfer carries no sent amounts", field="status")
        settings = risk_services.rule_settings(["RK-18", "RK-23"])
        findings = risk_checks.funds_received_checks(
            received=pooling_received, expected=due, settings=settings
        )
        risk_enforce(
            findings, settings, transfer.to_province_id, transfer.person_id, _subject(transfer)
        )
        target = transfer.to_province_id
        entry = journal_post(
            event=JournalEntry.Event.TRANSFER,
            description=f"transfer in {transfer.public_id}",
            posted_by=by,
            lines=[
                (target, FundAccount.TRANSFER_CLEARING, account_amount + pooling_received),
                (target, FundAccount.ACCOUNT_LIABILITY, -account_amount),
                (target, FundAccount.POOLING_FUND, -pooling_received),
            ],
        )
        if account_amount:
            PersonalAccountEntry.objects.create(
                person_id=transfer.person_id,
                province_id=target,
                kind=AccountEntryKind.TRANSFER_IN,
                amount=account_amount,
                # The sending province credited interest to the end of the sending month.
                value_date=max(on, (Month.from_date(sent_on) + 1).first_day()),
                journal_entry=entry,
            )
        transfer.funds_received_on = on
        transfer.pooling_received = pooling_received
        return _advance(transfer, status=Transfer.Status.FUNDS_RECEIVED, on=on, by=by)


def transfer_complete(*, transfer: Transfer, on: date, by: User | None = None) -> Transfer:
    """The receiving office completes and notifies the person (办结), ≤ 15 working days.

    Then it cleans up months paid in both provinces (先转后清, §3.7): each is counted once,
    one side is kept (an employer's over a flexible worker's, else the earlier), and the
    other side's personal-account credits for those months are refunded to the person by a
    posted entry. The refund carries no interest (the spec leaves it to local rules).
    """
    with transaction.atomic():
        transfer = _begin_step(transfer, Transfer.Status.FUNDS_RECEIVED, on=on)
        transfer.completed_on = on
        note = _clean_duplicates(transfer, on=on, by=by)
        return _advance(transfer, status=Transfer.Status.COMPLETED, on=on, by=by, note=note)


def _clean_duplicates(transfer: Transfer, *, on: date, by: User | None) -> str:
    sent = {Month.parse(row["month"]) for row in transfer.sheet.get("months", [])}
    here = selectors.relationship_in(
        person_id=transfer.person_id, province=transfer.to_province_id, months=sent
    )
    if here is None:
        return ""
    arrived = selectors.relationship_in(
        person_id=transfer.person_id, province=transfer.from_province_id, months=here.months
    )
    if arrived is None:
        return ""
    resolution = rules.duplicate_period_resolution(a=here, b=arrived)
    transfer.duplicate_refund = resolution.refund
    if resolution.refund:
        target = transfer.to_province_id  # the whole account is here now
        entry = journal_post(
            event=JournalEntry.Event.TRANSFER,
            description=f"months paid twice refunded {transfer.public_id}",
            posted_by=by,
            lines=[
                (target, FundAccount.ACCOUNT_LIABILITY, resolution.refund),
                (target, FundAccount.RECEIPTS_IN_TRANSIT, -resolution.refund),
            ],
        )
        PersonalAccountEntry.objects.create(
            person_id=transfer.person_id,
            province_id=target,
            kind=AccountEntryKind.REFUND,
            amount=-resolution.refund,
            value_date=on,
            journal_entry=entry,
        )
    months = ", ".join(str(month) for month in resolution.overlap)
    return (
        f"{len(resolution.overlap)} month(s) paid twice ({months}): kept in "
        f"{resolution.kept}, {resolution.refund} refunded from {resolution.dropped}'s credits"
    )


# --- Moving an employer with its staff (成建制划转) ---------------------------------------------


@dataclass(frozen=True)
class EmployerMove:
    """What moving an employer with its staff does, or would do: the active enrolments that
    move, and whether they leave the province."""

    employer: Employer
    from_province: str
    to_agency: Agency
    to_province: str
    month: Month
    enrolments: list[Enrolment]

    @property
    def across_provinces(self) -> bool:
        return self.to_province != self.from_province


def employer_move_plan(*, employer: Employer, to_agency: Agency, month: Month) -> EmployerMove:
    """Who moves if the employer moves to `to_agency` from `month`: its active enrolments."""
    to_province = to_agency.province_id
    if to_province is None:
        raise LedgerError(
            "national_agency", "an employer belongs to a provincial agency", field="to_agency"
        )
    if to_agency.pk == employer.agency_id:
        raise LedgerError(
            "same_agency", "the employer is already with this agency", field="to_agency"
        )
    latest = Month.from_date(timezone.localdate()) + 1
    if month > latest:
        raise LedgerError(
            "start_in_future", f"a move starts in {latest} at the latest", field="month"
        )
    enrolments = list(
        Enrolment.objects.filter(employer=employer, status=Enrolment.Status.ACTIVE)
        .select_related("person")
        .order_by("pk")
    )
    return EmployerMove(
        employer=employer,
        from_province=employer.province_id,
        to_agency=to_agency,
        to_province=to_province,
        month=month,
        enrolments=enrolments,
    )


def employer_move(
    *, employer: Employer, to_agency: Agency, month: Month, on: date, by: User | None = None
) -> tuple[EmployerMove, list[Transfer]]:
    """Move an employer with all its active enrolments to another agency (成建制划转), as
    one transaction, audited.

    Within the province the enrolments stay and change agency. To another province the
    employer is registered there with its staff: each enrolment is suspended before `month`
    and a new one opens there from `month` as an organisational transfer (no temporary
    account, TR-08), and a transfer is applied for each person with months to move, by the
    rules of a single application; where one is refused (another in flight, say), the audit
    names the person and the code.
    """
    with transaction.atomic():
        employer = Employer.objects.select_for_update().get(pk=employer.pk)
        plan = employer_move_plan(employer=employer, to_agency=to_agency, month=month)
        source = employer.province_id
        employer.province_id = plan.to_province
        employer.agency = to_agency
        employer.save(update_fields=["province", "agency"])
        transfers: list[Transfer] = []
        not_applied: dict[int, str] = {}
        moving = Enrolment.objects.filter(pk__in=[e.pk for e in plan.enrolments])
        if not plan.across_provinces:
            moving.update(agency=to_agency, updated_at=timezone.now())
        else:
            moving.update(
                status=Enrolment.Status.SUSPENDED,
                end_month=Greatest(Value((month - 1).first_day()), F("start_month")),
                updated_at=timezone.now(),
            )
            persons = [enrolment.person for enrolment in plan.enrolments]
            enrolments_open_together(
                persons=persons,
                province=plan.to_province,
                scheme=Scheme.EMPLOYEE,
                start_month=month,
                employer=employer,
                agency=to_agency,
                organisational_transfer=True,
            )
            transfers, refused = transfers_apply_together(
                persons=persons,
                from_province=source,
                to_province=plan.to_province,
                applied_on=on,
                by=by,
            )
            # Staff hired lately have nothing to move: no refusal worth naming.
            not_applied = {
                pk: code for pk, code in refused.items() if code != "nothing_to_transfer"
            }
        audit_record(
            actor=by,
            action="employer_move",
            subject=f"employer:{employer.pk}",
            detail={
                "from_province": source,
                "to_agency": to_agency.division_code,
                "month": str(month),
                "enrolments": len(plan.enrolments),
                "transfers": len(transfers),
                "transfers_not_applied": not_applied,
            },
        )
    return plan, transfers
