"""The transfer exchange: a province lists its cases and takes its steps over the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import AccessLog
from contributions.models import JournalLine
from contributions.rules import Month
from tests.conftest import LI, _client_with_key
from tests.factories import paid_months
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

HENAN, SHANGHAI = "41", "31"


@pytest.fixture
def henan_system():
    return _client_with_key(HENAN)


@pytest.fixture
def mover(li):
    """Li, enrolled in Shanghai, with 1998 and 2015 paid in Henan (TR-01's later years)."""
    paid_months(li, HENAN, Month(1998, 1), 12, base="3500")
    paid_months(li, HENAN, Month(2015, 1), 12, base="5000")
    return li


def _apply(client, **body):
    body = {"id_number": LI, "from_province": HENAN} | body
    return client.post("/api/v1/transfers/", body, format="json")


def _step(client, transfer_id, step, body=None, **headers):
    return client.post(
        f"/api/v1/transfers/{transfer_id}/{step}/", body or {}, format="json", headers=headers
    )


def test_a_transfer_runs_its_steps_between_the_two_provinces(mover, shanghai_system, henan_system):
    applied = _apply(shanghai_system)
    assert applied.status_code == 201, applied.json()
    case = applied.json()
    assert (case["status"], case["acting_office"], case["to_province"]) == (
        "applied",
        "receiving",
        SHANGHAI,
    )
    case_id = case["id"]

    assert _step(henan_system, case_id, "accept").status_code == 403  # not the receiving office
    assert _step(shanghai_system, case_id, "accept").json()["acting_office"] == "sending"
    assert _step(shanghai_system, case_id, "send").status_code == 403  # not the sending office
    sent = _step(henan_system, case_id, "send").json()
    # 12 % of 12 × 3500 + 12 × 5000 (TR-01's pooling rule)
    assert sent["pooling_amount"] == "12240.00"
    assert sent["status"] == "sent" and sent["sheet"]

    received = _step(
        shanghai_system,
        case_id,
        "funds-received",
        {"pooling_received": sent["pooling_amount"]},
    )
    assert received.json()["status"] == "funds_received"
    done = _step(shanghai_system, case_id, "complete").json()
    assert done["status"] == "completed" and done["acting_office"] is None
    assert [step["status"] for step in done["steps"]] == [
        "applied",
        "accepted",
        "sent",
        "funds_received",
        "completed",
    ]
    clearing = JournalLine.objects.filter(account="transfer_clearing").aggregate(t=Sum("amount"))
    assert clearing["t"] == Decimal(0)  # what Henan sent is what Shanghai received


def test_a_step_out_of_order_is_409_with_its_code(mover, shanghai_system):
    case_id = _apply(shanghai_system).json()["id"]
    response = _step(shanghai_system, case_id, "complete")
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_step"
    assert Transfer.objects.get().status == "applied"


def test_a_step_with_the_same_key_is_taken_once(mover, shanghai_system):
    case_id = _apply(shanghai_system).json()["id"]
    first = _step(shanghai_system, case_id, "accept", **{"Idempotency-Key": "accept-1"})
    again = _step(shanghai_system, case_id, "accept", **{"Idempotency-Key": "accept-1"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Transfer.objects.get().steps.count() == 2
    # The key names one step of one case: used on another step it is a conflict.
    other = _step(shanghai_system, case_id, "complete", **{"Idempotency-Key": "accept-1"})
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")


def test_each_province_lists_its_cases_by_role_and_the_reads_are_logged(
    mover, shanghai_system, henan_system, guangdong_system
):
    _apply(shanghai_system)
    ids = {
        (client, role): [t["id"] for t in client.get(f"/api/v1/transfers/?role={role}").json()[
            "results"
        ]]
        for client in (shanghai_system, henan_system)
        for role in ("receiving", "sending")
    }  # fmt: skip
    assert len(ids[shanghai_system, "receiving"]) == 1 and not ids[shanghai_system, "sending"]
    assert len(ids[henan_system, "sending"]) == 1 and not ids[henan_system, "receiving"]
    assert AccessLog.objects.filter(action="api_transfer_list").count() == 2

    assert guangdong_system.get("/api/v1/transfers/").json()["results"] == []
    case_id = ids[shanghai_system, "receiving"][0]
    assert guangdong_system.get(f"/api/v1/transfers/{case_id}/").status_code == 404
    assert _step(guangdong_system, case_id, "accept").status_code == 404

    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert (
        shanghai_system.get("/api/v1/transfers/", {"updated_since": later}).json()["results"] == []
    )
    assert shanghai_system.get("/api/v1/transfers/?state=applied").json()["results"]
    assert shanghai_system.get("/api/v1/transfers/?state=lost").status_code == 400


def test_an_application_is_cancelled_before_sending_and_not_after(
    mover, shanghai_system, henan_system
):
    case_id = _apply(shanghai_system).json()["id"]
    assert _step(shanghai_system, case_id, "cancel").status_code == 400  # a reason is needed
    cancelled = _step(shanghai_system, case_id, "cancel", {"reason": "applied by mistake"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["acting_office"] is None

    case_id = _apply(shanghai_system).json()["id"]  # nothing in flight any more
    _step(shanghai_system, case_id, "accept")
    _step(henan_system, case_id, "send")
    response = _step(shanghai_system, case_id, "cancel", {"reason": "too late"})
    assert (response.status_code, response.json()["code"]) == (409, "not_cancellable")


def test_bad_step_input_gets_a_field_error(mover, shanghai_system):
    case_id = _apply(shanghai_system).json()["id"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = _step(shanghai_system, case_id, "accept", {"on": tomorrow})
    assert (future.status_code, future.json()["errors"][0]["field"]) == (422, "on")
    _step(shanghai_system, case_id, "accept")
    as_number = _step(shanghai_system, case_id, "funds-received", {"pooling_received": 1.5})
    assert as_number.status_code == 400
    unknown = _apply(shanghai_system, id_number="11010519491231002X")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_person")
