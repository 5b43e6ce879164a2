"""The transfer workflow (转移接续经办, §3.5): one function per office step.

Each step checks the transfer is in the state it follows, records who did it and when,
sets the deadline of the next step in working days, and runs the in-process risk rules
of that step: RK-23 (a step done late) always, RK-16 when the information sheet is sent,
RK-18 when the funds arrive. The money moves through transfer clearing: the sending
province's entry credits its clearing account, the receiving province's debits its own;
each entry balances within its province, and across provinces the clearing accounts net
to zero once the funds received match the funds sent.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from contributions.accounting import interest_to_transfer
from contributions.models import (
    AccountEntryKind,
    Enrolment,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    PersonalAccountEntry,
)
from contributions.rules import Month
from contributions.selectors import account_balance
from contributions.services import LedgerError, journal_post, risk_enforce
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
    TransferStep.objects.create(transfer=transfer, status=status, on=on, by=by, note=note)
    return transfer


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
    if from_province == to_province:
        raise LedgerError("same_province", "a transfer goes to another province", field="to")
    if person.status != InsuredPerson.Status.ACTIVE:
        raise LedgerError(
            "not_active", "people receiving a pension are not transferred", field="person"
        )
    destination = Enrolment.objects.filter(person=person, province_id=to_province)
    if not destination.exists():
        raise LedgerError(
            "not_enrolled_at_destination",
            "apply after joining the scheme in the receiving province",
            field="to",
        )
    if not destination.filter(is_temporary_account=False).exists():
        raise LedgerError(
            "temporary_account_only",
            "a temporary account (临时缴费账户) takes no transfer: it is collected into the "
            "original place at the next move or at eligibility",
            field="to",
        )
    if Enrolment.objects.filter(
        person=person, province_id=from_province, status=Enrolment.Status.ACTIVE
    ).exists():
        raise LedgerError(
            "still_enrolled_at_source",
            "the person still contributes in the sending province: that enrolment is "
            "suspended or closed first",
            field="from",
        )
    if not selectors.live_records(person_id=person.pk, province=from_province).exists():
        raise LedgerError(
            "nothing_to_transfer", "no contributions were paid in that province", field="from"
        )
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().filter(pk=person.pk).first()
        if Transfer.objects.filter(person=person, status__in=IN_FLIGHT).exists():
            raise LedgerError(
                "transfer_in_flight", "another transfer is already being handled", kind="conflict"
            )
        transfer = Transfer.objects.create(
            person=person,
            from_province_id=from_province,
            to_province_id=to_province,
            applied_on=applied_on,
        )
        return _advance(transfer, status=Transfer.Status.APPLIED, on=applied_on, by=by)


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
