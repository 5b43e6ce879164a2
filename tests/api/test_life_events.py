"""Life events and facts over the provincial API: deaths, pensions paid, certifications,
back-payment evidence, deemed service and the organisational-transfer mark, each through a
service with its rules; and the screening rules that read them firing on what came in."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from contributions import services
from contributions.models import DeemedService, Enrolment, InsuredPerson
from contributions.rules import Month
from risk.models import RiskFlag
from tests.conftest import LI, _client_with_key
from tests.factories import paid_months

SHANGHAI = "31"
RETIRED = "310101196001011038"  # a man born 1960-01: retired 2020-02
LATE = "31010119600201103X"
LUMP, PROVEN = "310101198501011017", "310101198501021012"


def _pensioner(id_number: str) -> InsuredPerson:
    person, _ = services.person_upsert(id_number=id_number, name="退休人", hukou_province="31")
    paid_months(person, SHANGHAI, Month(2000, 1), 240)
    return services.person_retire(person=person, month=Month(2020, 2))


def _lump_back_payment(client, id_number: str) -> str:
    client.put(
        f"/api/v1/persons/{id_number}/", {"name": "补缴人", "hukou_province": "31"}, format="json"
    )
    rows = [
        {"id_number": id_number, "month": str(Month(2023, 1) + i), "scheme": "flexible",
         "wage_or_base": "9000.00", "kind": "back_payment"}
        for i in range(36)
    ]  # fmt: skip
    answer = client.post(
        "/api/v1/contributions/batches/",
        {"mode": "all_or_nothing", "rows": rows},
        format="json",
        headers={"Idempotency-Key": f"lump-{id_number}"},
    )
    assert answer.status_code == 201, answer.json()
    return answer.json()["batch_id"]


def _screen(*args: str) -> dict:
    out, progress = io.StringIO(), io.StringIO()
    call_command("screen", "--wait", "--timeout=300", *args, stdout=out, stderr=progress)
    assert "(100 %)" in progress.getvalue().splitlines()[-1]  # the slices, to the last
    return json.loads(out.getvalue())


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deaths_certifications_and_evidence_sent_in_make_rk05_rk06_rk09_fire(celery_worker):
    shanghai = _client_with_key(SHANGHAI)
    _pensioner(RETIRED)
    _pensioner(LATE)
    for month in ("2024-01", "2024-02", "2024-03"):
        paid = shanghai.post(
            "/api/v1/benefit-payments/",
            {"id_number": RETIRED, "month": month, "amount": "4200.00"},
            format="json",
        )
        assert paid.status_code == 201, paid.json()
    died = shanghai.post(
        f"/api/v1/persons/{RETIRED}/death/", {"died_on": "2024-01-20"}, format="json"
    )
    assert died.json()["status"] == "deceased"
    certified = shanghai.post(
        "/api/v1/certifications/",
        {"id_number": LATE, "certified_on": "2023-01-05", "valid_until": "2024-01-04",
         "method": "face"},
        format="json",
    )  # fmt: skip
    assert certified.status_code == 201, certified.json()

    _lump_back_payment(shanghai, LUMP)
    batch = _lump_back_payment(shanghai, PROVEN)
    evidence = shanghai.post(
        "/api/v1/back-payment-evidence/",
        {"id_number": PROVEN, "batch": batch, "kind": "legal_document",
         "document_date": "2019-06-01", "reference": "（2019）沪0101民初1号"},
        format="json",
    )  # fmt: skip
    assert evidence.status_code == 201, evidence.json()

    summary = _screen("--rules=RK-05,RK-06,RK-09")
    assert summary["status"] == "completed"
    flagged = {
        (flag.rule_id, flag.person.id_number)
        for flag in RiskFlag.objects.filter(rule__in=["RK-05", "RK-06", "RK-09"])
    }
    assert {("RK-05", RETIRED), ("RK-06", LATE), ("RK-09", LUMP)} <= flagged
    assert ("RK-09", PROVEN) not in flagged  # its evidence came in
    assert ("RK-06", RETIRED) not in flagged  # the dead are not certified


@pytest.fixture
def shanghai(db):
    return _client_with_key(SHANGHAI)


@pytest.mark.django_db
def test_a_death_closes_the_relationship_and_is_recorded_once(li, shanghai):
    url = f"/api/v1/persons/{LI}/death/"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert shanghai.post(url, {"died_on": tomorrow}, format="json").status_code == 422
    assert shanghai.post(url, {"died_on": "2025-03-02"}, format="json").status_code == 200
    enrolment = Enrolment.objects.get(person=li)
    assert (enrolment.status, enrolment.end_month) == ("closed", date(2025, 3, 1))
    assert shanghai.post(url, {"died_on": "2025-03-02"}, format="json").status_code == 200
    again = shanghai.post(url, {"died_on": "2025-04-02"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_deceased")
    other = _client_with_key("44").post(url, {"died_on": "2025-03-02"}, format="json")
    assert other.status_code == 404  # not a person of Guangdong's


@pytest.mark.django_db
def test_facts_of_a_person_are_refused_when_the_rules_say_no(li, shanghai):
    paid = shanghai.post(
        "/api/v1/benefit-payments/",
        {"id_number": LI, "month": "2025-01", "amount": "3000.00"},
        format="json",
    )
    assert (paid.status_code, paid.json()["code"]) == (409, "not_retired")
    as_number = shanghai.post(
        "/api/v1/benefit-payments/",
        {"id_number": LI, "month": "2025-01", "amount": 3000},
        format="json",
    )
    assert as_number.status_code == 400
    stranger = shanghai.post(
        "/api/v1/certifications/",
        {"id_number": "11010519491231002X", "certified_on": "2025-01-01",
         "valid_until": "2026-01-01", "method": "face"},
        format="json",
    )  # fmt: skip
    assert (stranger.status_code, stranger.json()["code"]) == (422, "unknown_person")

    deemed_url = f"/api/v1/persons/{LI}/deemed-service/"
    late = shanghai.post(deemed_url, {"months": 24, "until_month": "1999-12"}, format="json")
    assert (late.status_code, late.json()["code"]) == (422, "after_accounts_began")
    assert (
        shanghai.post(
            deemed_url, {"months": 24, "until_month": "1997-12"}, format="json"
        ).status_code
        == 201
    )
    assert DeemedService.objects.get(person=li).months == 24

    enrolment = Enrolment.objects.get(person=li)
    marked = shanghai.post(
        f"/api/v1/enrolments/{enrolment.pk}/organisational-transfer/", format="json"
    )
    assert marked.status_code == 200
    assert Enrolment.objects.get(pk=enrolment.pk).is_organisational_transfer


@pytest.mark.django_db
def test_back_payment_evidence_must_prove_the_payment(shanghai):
    batch = _lump_back_payment(shanghai, LUMP)
    paid_on = timezone.localdate()  # the batch's day: after 规5号

    def send(kind: str, document_date: date):
        return shanghai.post(
            "/api/v1/back-payment-evidence/",
            {"id_number": LUMP, "batch": batch, "kind": kind,
             "document_date": document_date.isoformat(), "reference": "ref"},
            format="json",
        )  # fmt: skip

    undertaking = send("undertaking", date(2019, 1, 1))
    assert (undertaking.status_code, undertaking.json()["code"]) == (422, "evidence_insufficient")
    after_payment = send("legal_document", paid_on)
    assert after_payment.json()["code"] == "evidence_insufficient"
    assert send("legal_document", paid_on - timedelta(days=1)).status_code == 201
    assert send("legal_document", date(2019, 1, 1)).json()["code"] == "already_recorded"


@pytest.mark.django_db
def test_a_caseworker_records_a_death_and_marks_an_organisational_transfer_in_the_admin(li, client):
    from accounts.models import User

    call_command("seed_demo")
    client.force_login(User.objects.get(username="shanghai"))
    enrolment = Enrolment.objects.get(person=li)
    client.post(
        "/admin/contributions/enrolment/",
        {"action": "mark_organisational_transfer", "_selected_action": [enrolment.pk]},
    )
    assert Enrolment.objects.get(pk=enrolment.pk).is_organisational_transfer
    client.post(
        "/admin/contributions/insuredperson/",
        {"action": "record_death", "_selected_action": [li.pk], "apply": "1",
         "died_on": "2025-03-02"},
    )  # fmt: skip
    li.refresh_from_db()
    assert (li.status, li.died_on) == ("deceased", date(2025, 3, 2))


def _action(client, action: str, person: InsuredPerson, **fields: str):
    return client.post(
        "/admin/contributions/insuredperson/",
        {"action": action, "_selected_action": [person.pk], "apply": "1", **fields},
        follow=True,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_a_caseworker_records_pensions_certifications_evidence_and_deemed_service(client):
    from accounts.models import User
    from risk.models import BackPaymentEvidence, BenefitPayment, Certification

    call_command("seed_demo")
    pensioner = _pensioner(RETIRED)
    client.force_login(User.objects.get(username="shanghai"))

    paid = _action(client, "record_benefit_payment", pensioner,
                   province="31", month="2024-05", amount="4100.50")  # fmt: skip
    assert "recorded" in _messages(paid)
    assert BenefitPayment.objects.get(person=pensioner).amount == Decimal("4100.50")
    # A month before the retirement: the service refuses, and says why.
    early = _action(client, "record_benefit_payment", pensioner,
                    province="31", month="2019-05", amount="4100.50")  # fmt: skip
    assert "starts in 2020-02" in _messages(early) and BenefitPayment.objects.count() == 1
    # Only the provinces the caseworker writes are offered.
    other = _action(client, "record_benefit_payment", pensioner,
                    province="44", month="2024-06", amount="4100.50")  # fmt: skip
    assert list(other.context["form"].errors) == ["province"]
    assert BenefitPayment.objects.count() == 1

    _action(client, "record_certification", pensioner,
            certified_on="2025-01-10", valid_until="2026-01-10", method="face")  # fmt: skip
    assert Certification.objects.get(person=pensioner).valid_until == date(2026, 1, 10)

    _action(client, "record_deemed_service", pensioner,
            province="31", months="60", until_month="1997-12")  # fmt: skip
    assert DeemedService.objects.get(person=pensioner).months == 60
    late = _action(client, "record_deemed_service", pensioner,
                   province="31", months="6", until_month="1999-01")  # fmt: skip
    assert "before 1998-01" in _messages(late)

    batch = _lump_back_payment(_client_with_key("31"), PROVEN)
    proven = InsuredPerson.objects.get(id_number=PROVEN)
    evidence = {"action": "record_back_payment_evidence", "person": proven, "batch": batch}
    undertaking = _action(client, **evidence, kind="undertaking", document_date="2024-02-01",
                          reference="承诺书")  # fmt: skip
    assert "recorded" not in _messages(undertaking) and not BackPaymentEvidence.objects.exists()
    _action(client, **evidence, kind="legal_document", document_date="2022-12-01",
            reference="(2022)沪01民终1号")  # fmt: skip
    assert BackPaymentEvidence.objects.get(person=proven).kind == "legal_document"
    # Another province's caseworker neither sees the person nor knows the batch.
    client.force_login(User.objects.get(username="guangdong"))
    foreign = _action(client, **evidence, kind="legal_document", document_date="2022-12-01",
                      reference="x")  # fmt: skip
    assert "recorded" not in _messages(foreign) and BackPaymentEvidence.objects.count() == 1
