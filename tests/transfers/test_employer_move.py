"""Moving an employer with all its staff (成建制划转): one admin action or one API call, a
preview first, atomic, audited, and the transfers it implies applied."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Agency, AuditEvent, User
from contributions.models import Employer, Enrolment
from contributions.rules import Month
from tests.conftest import SH_UNIT
from tests.factories import paid_months
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

URL = f"/api/v1/employers/{SH_UNIT}/move/"


def _next_month() -> str:
    return str(Month.from_date(timezone.localdate()) + 1)


@pytest.fixture
def staff(li):
    paid_months(li, "31", Month(2024, 1), 6)
    return li


def test_a_province_previews_then_moves_its_employer_between_its_agencies(staff, shanghai_system):
    body = {"to_agency": "310115", "month": _next_month(), "preview": True}
    preview = shanghai_system.post(URL, body, format="json").json()
    assert (preview["moved"], preview["across_provinces"]) == (False, False)
    assert preview["persons"] == [{"id_number": "110101********1233", "name": "李强"}]
    assert Enrolment.objects.get(person=staff).agency is None  # nothing written

    moved = shanghai_system.post(URL, body | {"preview": False}, format="json").json()
    assert moved["moved"] and moved["transfers"] == []
    assert Enrolment.objects.get(person=staff).agency.division_code == "310115"
    assert Employer.objects.get(uscc=SH_UNIT).agency.division_code == "310115"
    assert AuditEvent.objects.filter(action="employer_move").count() == 1


def test_a_move_to_another_province_opens_the_enrolments_there_and_applies_the_transfers(
    staff, national_caseworker
):
    body = {"to_agency": "410000", "month": _next_month()}
    answer = national_caseworker.post(URL, body, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["across_provinces"] and len(answer.json()["transfers"]) == 1
    old = Enrolment.objects.get(person=staff, province_id="31")
    new = Enrolment.objects.get(person=staff, province_id="41")
    assert old.status == "suspended"
    assert (new.status, new.is_organisational_transfer, new.is_temporary_account) == (
        "active",
        True,
        False,
    )
    transfer = Transfer.objects.get()
    assert (transfer.from_province_id, transfer.to_province_id, transfer.status) == (
        "31",
        "41",
        "applied",
    )
    assert Employer.objects.get(uscc=SH_UNIT).province_id == "41"


def test_a_province_cannot_move_an_employer_it_does_not_hold_or_into_another_province(
    staff, shanghai_system, guangdong_system
):
    body = {"to_agency": "410000", "month": _next_month()}
    assert shanghai_system.post(URL, body, format="json").status_code == 403
    assert guangdong_system.post(URL, body, format="json").status_code == 404
    assert Employer.objects.get(uscc=SH_UNIT).province_id == "31"
    assert Enrolment.objects.get(person=staff).status == "active"
    assert not Transfer.objects.exists()


def test_a_move_that_cannot_be_is_refused_with_its_field(staff, shanghai_system):
    def code(**body) -> tuple[int, str]:
        answer = shanghai_system.post(
            URL, {"to_agency": "310115", "month": _next_month()} | body, format="json"
        )
        return answer.status_code, answer.json()["code"]

    assert code(to_agency="999999") == (422, "unknown_agency")
    assert code(month=str(Month.from_date(timezone.localdate()) + 3)) == (422, "start_in_future")
    Employer.objects.filter(uscc=SH_UNIT).update(agency=Agency.objects.get(division_code="310115"))
    assert code() == (422, "same_agency")
    assert code(to_agency="31011") == (400, "invalid")


def test_a_caseworker_moves_an_employer_in_the_admin(client, staff, caseworkers):
    client.force_login(User.objects.get(username="shanghai"))
    employer = Employer.objects.get(uscc=SH_UNIT)
    data = {"action": "move", "_selected_action": [employer.pk]}
    preview = client.post("/admin/contributions/employer/", data)
    assert "1 active enrolment(s) move" in preview.content.decode()
    client.post(
        "/admin/contributions/employer/",
        data | {"apply": "1", "to_agency": "310115", "month": _next_month()},
    )
    assert Enrolment.objects.get(person=staff).agency.division_code == "310115"


def test_a_staff_member_with_a_transfer_in_flight_keeps_it_and_the_audit_says_so(
    staff, national_caseworker
):
    from contributions import services
    from transfers import services as transfers

    wang, _ = services.person_upsert(
        id_number="32010619850815441X", name="王强", hukou_province="32"
    )
    employer = Employer.objects.get(uscc=SH_UNIT)
    services.enrolment_open(
        person=wang, province="31", scheme="employee", employer=employer,
        start_month=Month(2024, 1),
    )  # fmt: skip
    paid_months(wang, "31", Month(2024, 1), 3)
    paid_months(wang, "44", Month(2020, 1), 12)
    waiting = transfers.transfer_apply(
        person=wang, from_province="44", to_province="31", applied_on=timezone.localdate()
    )

    body = {"to_agency": "410000", "month": _next_month()}
    answer = national_caseworker.post(URL, body, format="json")
    assert len(answer.json()["transfers"]) == 1  # Li's
    audit = AuditEvent.objects.get(action="employer_move").detail
    assert audit["transfers_not_applied"] == {str(wang.pk): "transfer_in_flight"}
    assert Transfer.objects.get(person=wang) == waiting


def test_the_bulk_move_command_previews_then_moves_with_its_progress(staff, caseworkers):
    def move(*args: str) -> tuple[dict, str]:
        out, progress = io.StringIO(), io.StringIO()
        call_command(
            "move_employers", *args, "--to-agency=410000", f"--month={_next_month()}",
            stdout=out, stderr=progress,
        )  # fmt: skip
        return json.loads(out.getvalue()), progress.getvalue()

    preview, _ = move(SH_UNIT, "--dry-run")
    assert preview["moved"] == [
        {"uscc": SH_UNIT, "enrolments": 1, "across_provinces": True, "transfers": None}
    ]
    assert Employer.objects.get(uscc=SH_UNIT).province_id == "31"  # nothing written

    moved, progress = move(SH_UNIT)
    assert moved["moved"][0]["transfers"] == 1 and moved["refused"] == {}
    assert progress.splitlines()[-1] == "employers moved: 1 of 1 (100 %)"
    assert Employer.objects.get(uscc=SH_UNIT).province_id == "41"
    again, _ = move(SH_UNIT)  # already there: refused with its code, nothing else moves
    assert again["refused"] == {SH_UNIT: "same_agency"}
    with pytest.raises(CommandError, match="no employer"):
        move("91310000000000000X")
