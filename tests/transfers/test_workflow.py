"""The transfer workflow (§3.5) on the real ledger: steps, amounts, journal, in-process rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.accounting import interest_post_year
from contributions.models import (
    ContributionBatch,
    ContributionRecord,
    Enrolment,
    InsuredPerson,
    JournalLine,
    PersonalAccountEntry,
    ProvincePolicy,
)
from contributions.reconciliation import ledger_reconcile
from contributions.rules import Month
from contributions.selectors import account_balance, contribution_months
from contributions.services import LedgerError
from risk import services as risk_services
from risk.detectors.transfers import _transfer_step_overdue
from risk.models import BackPaymentEvidence, RiskFlag, RiskRule
from risk.registry import REGISTRY, BatchContext
from tests.factories import paid_months
from transfers import services as transfers
from transfers.models import Transfer
from transfers.selectors import deadline_after, information_sheet

pytestmark = pytest.mark.django_db

HENAN, SHANGHAI = "41", "31"


@pytest.fixture
def mover(li) -> InsuredPerson:
    """Li (hukou Henan, now enrolled in Shanghai) with the TR-01 history in Henan."""
    for start, count, base in [
        (Month(1996, 1), 12, "3000"),
        (Month(1997, 1), 12, "3200"),
        (Month(1998, 1), 12, "3500"),
        (Month(2015, 1), 12, "5000"),
        (Month(2016, 1), 6, "6000"),
    ]:
        paid_months(li, HENAN, start, count, base=base)
    return li


def _through_send(person: InsuredPerson, start: date = date(2026, 3, 2)) -> Transfer:
    transfer = transfers.transfer_apply(
        person=person, from_province=HENAN, to_province=SHANGHAI, applied_on=start
    )
    transfer = transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 5))
    return transfers.transfer_send(transfer=transfer, on=date(2026, 3, 10))


def _differences() -> dict:
    """Reconciliation differences per province and account: a transfer changes none."""
    run = ledger_reconcile()
    return {(r.province_id, r.account): r.difference for r in run.results.exclude(difference=0)}


def _clearing() -> Decimal:
    """Transfer clearing across all provinces: zero once funds received match funds sent."""
    lines = JournalLine.objects.filter(account="transfer_clearing")
    return lines.aggregate(t=Sum("amount"))["t"] or Decimal(0)


def _flags(code: str) -> list[RiskFlag]:
    return list(RiskFlag.objects.filter(rule_id=code))


# --- The working-day calendar ----------------------------------------------------------------


def test_fifteen_working_days_skip_the_national_day_week_and_count_the_adjusted_saturday():
    """From 2026-09-30: 1–7 October are holidays and Saturday 10 October is a working day,
    so the 15th working day is 27 October (Monday to Friday alone would give 21 October)."""
    assert deadline_after(date(2026, 9, 30), 15) == date(2026, 10, 27)


def test_a_year_without_a_published_calendar_counts_monday_to_friday():
    # Friday 2027-12-31 + 15 working days, no 2027/2028 arrangements entered.
    assert deadline_after(date(2027, 12, 31), 15) == date(2028, 1, 21)


# --- The whole procedure -----------------------------------------------------------------------


def test_a_transfer_moves_the_account_and_tr_01_pooling_funds_and_keeps_the_ledger_true(mover):
    before = account_balance(person_id=mover.pk, as_of=date(2026, 12, 31))
    differences_before = _differences()
    transfer = _through_send(mover)
    # TR-01: Σ bases since 1998 = 42 000 + 60 000 + 36 000 = 138 000 → 16 560.00.
    assert transfer.pooling_amount == Decimal("16560.00")
    # The account moves with the interest of 2026 to March (Decisions), at the latest
    # published rate 2.62 %: 16 992.00 × 2.62 % × 3/12 = 111.30.
    assert before == Decimal("16992.00")
    assert transfer.account_amount == Decimal("16992.00") + Decimal("111.30")
    assert transfer.step_deadline == date(2026, 3, 31)
    transfer = transfers.transfer_funds_receive(
        transfer=transfer, on=date(2026, 3, 16), pooling_received=Decimal("16560.00")
    )
    transfer = transfers.transfer_complete(transfer=transfer, on=date(2026, 3, 20))

    assert transfer.status == Transfer.Status.COMPLETED
    assert transfer.step_deadline is None
    assert [s.status for s in transfer.steps.all()] == [
        "applied",
        "accepted",
        "sent",
        "funds_received",
        "completed",
    ]
    assert account_balance(person_id=mover.pk, as_of=date(2026, 12, 31), province=HENAN) == 0
    assert account_balance(
        person_id=mover.pk, as_of=date(2026, 12, 31), province=SHANGHAI
    ) == Decimal("17103.30")
    pooling = dict(
        JournalLine.objects.filter(account="pooling_fund", entry__event="transfer")
        .values_list("province_id")
        .annotate(Sum("amount"))
    )
    assert pooling == {HENAN: Decimal("16560.00"), SHANGHAI: Decimal("-16560.00")}
    assert _clearing() == 0
    assert _differences() == differences_before
    assert not RiskFlag.objects.exists()


def test_the_year_end_run_leaves_the_sending_province_alone_and_credits_the_new_one(mover):
    """Henan credited 2026 to March at the transfer; Shanghai counts from April, the month
    after the sending month: 17 103.30 × 2.62 % × 9/12 = 336.08."""
    transfer = transfers.transfer_funds_receive(
        transfer=_through_send(mover), on=date(2026, 3, 16), pooling_received=Decimal("16560.00")
    )
    interest_post_year(year=2026)
    interest = dict(
        PersonalAccountEntry.objects.filter(kind="interest", interest_year=2026).values_list(
            "province_id", "amount"
        )
    )
    assert interest == {HENAN: Decimal("111.30"), SHANGHAI: Decimal("336.08")}
    assert transfer.account_amount == Decimal("17103.30")
    assert account_balance(person_id=mover.pk, as_of=date(2026, 12, 31), province=HENAN) == 0


def test_steps_out_of_order_or_before_the_previous_one_are_refused(mover):
    transfer = transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_send(transfer=transfer, on=date(2026, 3, 3))
    assert caught.value.code == "wrong_step"
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 1))
    assert caught.value.code == "date_before_previous_step"
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_reject(transfer=transfer, on=date(2026, 3, 3), reason="  ")
    assert caught.value.code == "reason_required"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"to_province": HENAN}, "same_province"),
        ({"to_province": "44"}, "not_enrolled_at_destination"),
        ({"from_province": "44"}, "nothing_to_transfer"),
    ],
)
def test_an_application_that_cannot_be_taken_says_why(mover, change, code):
    arguments = {"from_province": HENAN, "to_province": SHANGHAI} | change
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_apply(person=mover, applied_on=date(2026, 3, 2), **arguments)
    assert caught.value.code == code
    assert not Transfer.objects.exists()


def test_one_transfer_at_a_time_and_none_for_a_pensioner(mover):
    transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_apply(
            person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 3)
        )
    assert caught.value.code == "transfer_in_flight"
    InsuredPerson.objects.filter(pk=mover.pk).update(status="retired", retired_on="2026-01-01")
    mover.refresh_from_db()
    with pytest.raises(LedgerError) as caught:
        transfers.transfer_apply(
            person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 3)
        )
    assert caught.value.code == "not_active"


def test_a_rejection_ends_the_transfer_with_its_reason(mover):
    transfer = transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    transfer = transfers.transfer_reject(
        transfer=transfer, on=date(2026, 3, 4), reason="缴费未满一个月"
    )
    assert (transfer.status, transfer.rejection_reason) == ("rejected", "缴费未满一个月")
    assert not JournalLine.objects.filter(entry__event="transfer").exists()


# --- TR-12: a lump back-payment without evidence stays behind ---------------------------------


def _lump_back_payment(person: InsuredPerson, months: int) -> ContributionBatch:
    """One batch back-paying `months` months of 2010 onwards in Henan (补缴)."""
    batch = ContributionBatch.objects.create(province_id=HENAN, source="test")
    ContributionRecord.objects.bulk_create(
        ContributionRecord(
            person=person,
            province_id=HENAN,
            scheme="flexible",
            month=(Month(2010, 1) + i).first_day(),
            base=Decimal("4000"),
            pooling_part=Decimal("480.00"),
            account_part=Decimal("320.00"),
            kind="back_payment",
            batch=batch,
        )
        for i in range(months)
    )
    return batch


def test_tr_12_a_36_month_lump_without_evidence_does_not_move(mover):
    _lump_back_payment(mover, 36)
    transfer = _through_send(mover)
    assert len(transfer.sheet["non_transferable"]) == 36
    assert transfer.sheet["non_transferable"][0] == "2010-01"
    assert transfer.pooling_amount == Decimal("16560.00")  # the lump's bases are left out
    assert "36 month(s) stay behind" in transfer.steps.get(status="sent").note


def test_a_lump_with_its_evidence_moves(mover):
    batch = _lump_back_payment(mover, 36)
    BackPaymentEvidence.objects.create(
        person=mover,
        batch=batch,
        kind="legal_document",
        document_date=date(2009, 6, 1),
        reference="(2009)沪劳仲字第1号",
    )
    transfer = _through_send(mover)
    assert transfer.sheet["non_transferable"] == []
    assert transfer.pooling_amount == Decimal("16560.00") + Decimal("17280.00")  # 36×4000×12 %


def test_tr_12_35_months_move_without_evidence(mover):
    _lump_back_payment(mover, 35)
    assert _through_send(mover).sheet["non_transferable"] == []


@pytest.mark.parametrize(
    ("months", "evidence", "lump_months"),
    [(35, False, 36), (36, False, 36), (36, True, 36), (29, False, 30), (30, False, 30)],
)
def test_rk_09_and_the_information_sheet_agree_on_what_stays_behind(
    mover, months, evidence, lump_months
):
    """TR-12 in the transfer and RK-09 in screening read one parameter and agree."""
    batch = _lump_back_payment(mover, months)
    if evidence:
        BackPaymentEvidence.objects.create(
            person=mover, batch=batch, kind="legal_document", document_date=date(2009, 6, 1)
        )
    hits = REGISTRY["RK-09"].batch(
        BatchContext(
            first_person_id=mover.pk,
            last_person_id=mover.pk,
            province=None,
            parameters={"lump_months": lump_months},
            as_of=date(2026, 1, 1),
        )
    )
    sheet = information_sheet(person_id=mover.pk, province=HENAN, lump_months=lump_months)
    assert bool(hits) == bool(sheet.non_transferable) == (months >= lump_months and not evidence)


# --- RK-16, RK-18, RK-23 in process ------------------------------------------------------------


def test_rk_16_sheet_months_already_paid_locally_are_flagged_and_the_transfer_goes_on(mover):
    paid_months(mover, SHANGHAI, Month(2016, 4), 6, base="6000")  # 2016-04..06 overlap
    transfer = _through_send(mover)
    assert transfer.status == "sent"
    [flag] = _flags("RK-16")
    assert (flag.subject, flag.period) == (f"transfer:{transfer.public_id}", "2016-04..2016-06")
    assert flag.province_id == SHANGHAI and flag.person_id == mover.pk


def test_rk_16_stays_quiet_without_an_overlap(mover):
    paid_months(mover, SHANGHAI, Month(2016, 7), 6, base="6000")
    _through_send(mover)
    assert _flags("RK-16") == []


@pytest.mark.parametrize(
    ("received", "flagged"),
    [("16560.00", False), ("16559.00", False), ("16561.00", False), ("16558.99", True)],
)
def test_rv_11_pooling_funds_received_are_checked_against_the_sheet(mover, received, flagged):
    """RV-11: 16 559.00 for Σ base 138 000 is within 1.00 of 16 560.00; 16 558.99 is not."""
    transfer = transfers.transfer_funds_receive(
        transfer=_through_send(mover), on=date(2026, 3, 16), pooling_received=Decimal(received)
    )
    assert bool(_flags("RK-18")) is flagged
    # Whatever arrived is booked; a difference shows in transfer clearing.
    assert _clearing() == Decimal(received) - transfer.pooling_amount


def test_rk_23_a_step_done_after_its_fifteenth_working_day_is_flagged(mover):
    transfer = transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    assert transfer.step_deadline == date(2026, 3, 23)
    transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 23))
    assert _flags("RK-23") == []
    transfer.refresh_from_db()
    transfer = transfers.transfer_send(transfer=transfer, on=date(2026, 4, 30))
    [flag] = _flags("RK-23")
    assert flag.period == "step:accepted"
    assert flag.subject == f"transfer:{transfer.public_id}"


def test_rk_23_the_notice_of_months_that_stay_behind_has_ten_working_days(mover):
    _lump_back_payment(mover, 36)
    transfer = transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    transfer = transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 3))
    assert transfer.notice_deadline == date(2026, 3, 17)
    transfers.transfer_send(transfer=transfer, on=date(2026, 3, 18))
    assert [f.period for f in _flags("RK-23")] == ["notice"]


def test_rk_23_after_the_fact_finds_pending_steps_past_their_deadline(mover):
    transfer = transfers.transfer_apply(
        person=mover, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )

    def hits(as_of: date):
        return _transfer_step_overdue(BatchContext(mover.pk, mover.pk, None, {}, as_of))

    assert hits(date(2026, 3, 23)) == []
    [hit] = hits(date(2026, 3, 24))
    assert (hit.subject, hit.period, hit.province) == (
        f"transfer:{transfer.public_id}",
        "step:applied",
        SHANGHAI,
    )
    # Done late, the same step files under the same key: one flag, not two.
    risk_services.rules_sync()
    risk_services.flags_file(rule=RiskRule.objects.get(pk="RK-23"), hits=hits(date(2026, 3, 24)))
    transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 24))
    assert len(_flags("RK-23")) == 1


# --- Money is conserved -----------------------------------------------------------------------


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bases=st.lists(st.integers(min_value=4000, max_value=30000), min_size=1, max_size=30),
    shortfall=st.integers(min_value=-300, max_value=300),
)
def test_a_transfer_conserves_money(li, bases, shortfall):
    """Whatever the history and the amount received: every entry balances, the person's
    account total grows by the interest to the transfer month only, and the clearing
    accounts net to what was received less what was sent."""
    with transaction.atomic():
        for i, base in enumerate(bases):
            paid_months(li, HENAN, Month(2001, 1) + i, 1, base=str(base))
        total_before = account_balance(person_id=li.pk, as_of=date(2026, 12, 31))
        transfer = _through_send(li)
        received = max(transfer.pooling_amount + Decimal(shortfall) / 100, Decimal(0))
        transfers.transfer_funds_receive(
            transfer=transfer, on=date(2026, 3, 16), pooling_received=received
        )
        interest = PersonalAccountEntry.objects.get(person=li, kind="interest").amount
        assert account_balance(person_id=li.pk, as_of=date(2026, 12, 31)) == total_before + interest
        assert not JournalLine.objects.values("entry").annotate(t=Sum("amount")).exclude(t=0)
        pooling = dict(
            JournalLine.objects.filter(entry__event="transfer", account="pooling_fund")
            .values_list("province_id")
            .annotate(Sum("amount"))
        )
        assert pooling.get(HENAN, 0) == transfer.pooling_amount
        assert pooling.get(SHANGHAI, 0) == -received
        assert _clearing() == received - transfer.pooling_amount
        transaction.set_rollback(True)


# --- The whole of §3 in the workflow ----------------------------------------------------------


def _to_shanghai(person: InsuredPerson) -> Transfer:
    transfer = transfers.transfer_apply(
        person=person, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
    )
    transfer = transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 5))
    transfer = transfers.transfer_send(transfer=transfer, on=date(2026, 3, 10))
    transfer = transfers.transfer_funds_receive(
        transfer=transfer, on=date(2026, 3, 12), pooling_received=transfer.pooling_amount
    )
    return transfers.transfer_complete(transfer=transfer, on=date(2026, 3, 13))


def test_tr11_months_paid_twice_are_cleaned_after_the_transfer_with_a_refund(li):
    """TR-11: employer months in Henan 2020-01..12, flexible in Shanghai 2020-10..2021-03:
    the employer's months are kept, Shanghai's account credits of the three months paid
    twice are refunded by a posted entry, and 15 months count."""
    paid_months(li, HENAN, Month(2020, 1), 12, scheme="employee")
    paid_months(li, SHANGHAI, Month(2020, 10), 6)
    differences_before = _differences()

    transfer = _to_shanghai(li)

    assert transfer.duplicate_refund == Decimal("1920.00")  # 3 × 8 % of 8000
    refund = PersonalAccountEntry.objects.get(kind="refund")
    assert (refund.province_id, refund.amount) == (SHANGHAI, Decimal("-1920.00"))
    assert refund.journal_entry.lines.aggregate(t=Sum("amount"))["t"] == 0
    assert "3 month(s) paid twice (2020-10, 2020-11, 2020-12): kept in 41" in (
        transfer.steps.last().note
    )
    assert contribution_months(person_id=li.pk, before=Month(2026, 4)) == 15
    assert _differences() == differences_before


def test_without_months_paid_twice_nothing_is_refunded(mover):
    assert _to_shanghai(mover).duplicate_refund is None
    assert not PersonalAccountEntry.objects.filter(kind="refund").exists()


def test_sending_marks_the_enrolments_of_the_sending_province_transferred_out(mover):
    henan = Enrolment.objects.create(
        person=mover, province_id=HENAN, scheme="flexible", start_month=date(1996, 1, 1),
        end_month=date(2016, 6, 1), status="closed",
    )  # fmt: skip
    _through_send(mover)
    henan.refresh_from_db()
    assert henan.status == "transferred_out"
    assert Enrolment.objects.get(province_id=SHANGHAI).status == "active"


def test_a_transfer_into_a_temporary_account_only_or_from_an_active_enrolment_is_refused(
    mover,
):
    Enrolment.objects.filter(province_id=SHANGHAI).update(is_temporary_account=True)
    with pytest.raises(LedgerError) as refused:
        _through_send(mover)
    assert refused.value.code == "temporary_account_only"

    Enrolment.objects.filter(province_id=SHANGHAI).update(is_temporary_account=False)
    Enrolment.objects.create(
        person=mover, province_id=HENAN, scheme="flexible", start_month=date(1996, 1, 1)
    )
    with pytest.raises(LedgerError) as refused:
        _through_send(mover)
    assert refused.value.code == "still_enrolled_at_source"
    assert not Transfer.objects.exists()


# What §3.5 allows from each state: step → the state it leads to.
LEGAL_STEPS = {
    "applied": {"accept": "accepted", "reject": "rejected", "cancel": "cancelled"},
    "accepted": {"send": "sent", "cancel": "cancelled"},
    "sent": {"funds": "funds_received"},
    "funds_received": {"complete": "completed"},
}
HAPPY_PATH = {
    "applied": "accept",
    "accepted": "send",
    "sent": "funds",
    "funds_received": "complete",
}
STEPS = {
    "accept": lambda t, on: transfers.transfer_accept(transfer=t, on=on),
    "reject": lambda t, on: transfers.transfer_reject(transfer=t, on=on, reason="not eligible"),
    "cancel": lambda t, on: transfers.transfer_cancel(transfer=t, on=on, reason="withdrawn"),
    "send": lambda t, on: transfers.transfer_send(transfer=t, on=on),
    "funds": lambda t, on: transfers.transfer_funds_receive(
        transfer=t, on=on, pooling_received=t.pooling_amount or Decimal("100.00")
    ),
    "complete": lambda t, on: transfers.transfer_complete(transfer=t, on=on),
}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    henan=st.lists(st.integers(min_value=4000, max_value=30000), min_size=1, max_size=24),
    shanghai_overlap=st.integers(min_value=0, max_value=6),
    # "next" takes the step the happy path takes next, so most cases get far.
    order=st.lists(st.sampled_from(["next", "next", *sorted(STEPS)]), min_size=1, max_size=10),
)
def test_any_order_of_steps_conserves_money_and_refuses_each_step_out_of_order(
    li, henan, shanghai_overlap, order
):
    """Random careers (with months paid twice or not) and random orders of steps: a step
    §3.5 does not allow is refused with its code and changes nothing; every entry balances;
    what the person's account loses is only the refund of months paid twice, and the
    clearing accounts hold exactly what is still on its way."""
    with transaction.atomic():
        for i, base in enumerate(henan):
            paid_months(li, HENAN, Month(2024, 1) - len(henan) + i, 1, base=str(base))
        paid_months(li, SHANGHAI, Month(2023, 12) - shanghai_overlap + 1, shanghai_overlap)
        before = account_balance(person_id=li.pk, as_of=date(2026, 12, 31))
        transfer = transfers.transfer_apply(
            person=li, from_province=HENAN, to_province=SHANGHAI, applied_on=date(2026, 3, 2)
        )
        for day, drawn in enumerate(order, start=3):
            step = HAPPY_PATH.get(transfer.status, "complete") if drawn == "next" else drawn
            allowed = LEGAL_STEPS.get(transfer.status, {})
            if step in allowed:
                transfer = STEPS[step](transfer, date(2026, 3, day))
                assert transfer.status == allowed[step]
            else:
                with pytest.raises(LedgerError) as refused:
                    STEPS[step](transfer, date(2026, 3, day))
                assert refused.value.code == (
                    "not_cancellable" if step == "cancel" else "wrong_step"
                )
                assert Transfer.objects.get(pk=transfer.pk).status == transfer.status

        assert not JournalLine.objects.values("entry").annotate(t=Sum("amount")).exclude(t=0)
        interest = sum(
            PersonalAccountEntry.objects.filter(person=li, kind="interest").values_list(
                "amount", flat=True
            ),
            Decimal(0),
        )
        refund = transfer.duplicate_refund or Decimal(0)
        sent = transfer.status == "sent"  # sent, not yet received: the money is on its way
        account_on_its_way = transfer.account_amount if sent else Decimal(0)
        after = account_balance(person_id=li.pk, as_of=date(2026, 12, 31))
        assert after + account_on_its_way == before + interest - refund
        on_its_way = account_on_its_way + (transfer.pooling_amount if sent else Decimal(0))
        assert _clearing() == -on_its_way
        transaction.set_rollback(True)


# The §3.8 amount vectors through the ledger: (months, base, kind, Henan's employer rate).
AMOUNT_VECTORS = {
    "TR-02": (3, "4800", "employee", None, "1728.00"),
    "TR-03": (24, "6000", "temporary", "0.16", "23040.00"),
    "TR-04": (24, "6000", "temporary", "0.10", "17280.00"),
    "TR-05": (24, "4800", "flexible", None, "13824.00"),
}


@pytest.mark.parametrize("vector", sorted(AMOUNT_VECTORS))
def test_the_transfer_amount_vectors_through_the_services(li, vector):
    months, base, kind, rate, pooling = AMOUNT_VECTORS[vector]
    if rate is not None:
        policies = ProvincePolicy.objects.filter(province_id=HENAN, year__in=[2024, 2025])
        assert policies.update(employer_rate=Decimal(rate)) == 2
    scheme = "flexible" if kind == "flexible" else "employee"
    paid_months(
        li, HENAN, Month(2024, 1), months, base=base, scheme=scheme, temporary=kind == "temporary"
    )
    transfer = _through_send(li)
    assert transfer.pooling_amount == Decimal(pooling)
    assert len(transfer.sheet["months"]) == months
