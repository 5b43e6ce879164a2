"""Temporary accounts (临时缴费账户, §3.4) collected into the original insured place at the
next cross-province move, and into the benefit place at benefit eligibility."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.approvals import change_decide, change_request
from accounts.models import ChangeRequest, User
from contributions import services
from contributions.models import Enrolment, InsuredPerson, JournalLine
from contributions.rules import Month
from contributions.selectors import account_balance
from tests.conftest import _client_with_key
from tests.factories import paid_months
from transfers import selectors
from transfers import services as transfers
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

HENAN, SHANGHAI, GUANGDONG = "41", "31", "44"


def _career(id_number: str, *, home: tuple[Month, int], temporary: tuple[Month, int]):
    """Insured at home in Henan (hukou), then with a temporary account in Shanghai, both
    relationships ended: the person has moved on."""
    call_command("seed_demo")
    person, _ = services.person_upsert(id_number=id_number, name="临时户", hukou_province=HENAN)
    for province, (start, months), is_temporary in [
        (HENAN, home, False),
        (SHANGHAI, temporary, True),
    ]:
        enrolment, _ = services.enrolment_open(
            person=person,
            province=province,
            scheme="flexible",
            start_month=start,
            is_temporary_account=is_temporary,
        )
        paid_months(person, province, start, months, base="6000", temporary=is_temporary)
        services.enrolment_end(
            enrolment=enrolment, status=Enrolment.Status.CLOSED, end_month=start + months - 1
        )
    return person


def _clearing() -> Decimal:
    lines = JournalLine.objects.filter(account="transfer_clearing")
    return lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def test_tr_07_moving_on_collects_the_temporary_account_into_the_original_place():
    # TR-07: born 1972-05, hukou Henan, in Shanghai from 2023-03 with a temporary account.
    person = _career(
        "410101197205011011", home=(Month(2013, 3), 120), temporary=(Month(2023, 3), 24)
    )
    assert selectors.temporary_accounts_held(person_id=person.pk) == [SHANGHAI]
    assert selectors.original_insured_place(person_id=person.pk) == HENAN

    # The next move: Guangdong opens a (temporary) enrolment through the API.
    opened = _client_with_key(GUANGDONG).post(
        "/api/v1/enrolments/",
        {"id_number": person.id_number, "scheme": "flexible", "start_month": "2025-03",
         "temporary_account": True},
        format="json",
    )  # fmt: skip
    assert opened.status_code == 201, opened.json()
    collection = Transfer.objects.get(person=person)
    assert (collection.from_province_id, collection.to_province_id, collection.status) == (
        SHANGHAI,
        HENAN,
        Transfer.Status.APPLIED,
    )

    # It runs as any transfer: every month moves, the employer part at 12 % at least.
    today = timezone.localdate()
    collection = transfers.transfer_accept(transfer=collection, on=today)
    collection = transfers.transfer_send(transfer=collection, on=today + timedelta(days=2))
    assert len(collection.sheet["months"]) == 24
    assert collection.pooling_amount >= Decimal("6000") * 24 * Decimal("0.12")
    collection = transfers.transfer_funds_receive(
        transfer=collection,
        on=today + timedelta(days=5),
        pooling_received=collection.pooling_amount,
    )
    transfers.transfer_complete(transfer=collection, on=today + timedelta(days=6))
    assert _clearing() == 0
    later = today + timedelta(days=6)
    assert account_balance(person_id=person.pk, province=SHANGHAI, as_of=later) == 0
    assert collection.account_amount >= Decimal("11520.00")  # 24 × 480, with its interest
    assert Enrolment.objects.get(person=person, province_id=SHANGHAI).status == "transferred_out"
    assert selectors.temporary_accounts_held(person_id=person.pk) == []


def test_a_move_without_a_temporary_account_elsewhere_files_nothing(li):
    enrolment = Enrolment.objects.get(person=li)
    services.enrolment_end(
        enrolment=enrolment, status=Enrolment.Status.CLOSED, end_month=Month(2025, 6)
    )
    transfers.enrolment_open_moving(
        person=li, province=GUANGDONG, on=date(2025, 7, 1), scheme="flexible",
        start_month=Month(2025, 7),
    )  # fmt: skip
    assert not Transfer.objects.exists()


def test_at_benefit_eligibility_the_temporary_account_is_collected_into_the_benefit_place():
    # Born 1963-01: home in Henan for 200 months, then six years on a temporary account.
    person = _career(
        "410101196301011017", home=(Month(2000, 1), 200), temporary=(Month(2017, 1), 72)
    )
    maker, checker = User.objects.get(username="national"), User.objects.get(username="admin")
    asked = change_request(
        kind=ChangeRequest.Kind.RETIREMENT,
        subject=person,
        payload={"month": "2023-02", "special_route": False},
        summary="retire",
        by=maker,
    )
    decided = change_decide(request=asked, approve=True, by=checker)
    assert decided.status == ChangeRequest.Status.APPROVED, decided.outcome
    assert InsuredPerson.objects.get(pk=person.pk).status == InsuredPerson.Status.RETIRED
    collection = Transfer.objects.get(person=person)
    assert (collection.from_province_id, collection.to_province_id) == (SHANGHAI, HENAN)
