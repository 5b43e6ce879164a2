"""A province writes only what it owns and learns nothing about what it may not see; every
read of a person by a provincial system is recorded."""

import json

import pytest

from accounts.models import AccessLog, AuditEvent
from contributions import services
from contributions.models import ContributionRecord, Employer, InsuredPerson
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db

UNKNOWN = "11010519491231002X"


def test_a_province_cannot_re_home_another_provinces_employer(
    li, shanghai_system, guangdong_system
):
    response = guangdong_system.post(
        "/api/v1/employers/", {"uscc": SH_UNIT, "name": "夺走"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0] == {
        "field": "uscc",
        "code": "uscc_registered_elsewhere",
        "message": "This credit code is registered by another province.",
    }
    employer = Employer.objects.get(uscc=SH_UNIT)
    assert (employer.province_id, employer.name) == ("31", "上海示例有限公司")
    # The owner's contributions for the employer still post.
    posted = shanghai_system.post(
        "/api/v1/contributions/",
        {
            "id_number": LI,
            "month": "2025-01",
            "scheme": "employee",
            "employer_uscc": SH_UNIT,
            "wage_or_base": "9000.00",
        },
        format="json",
    )
    assert posted.status_code == 201, posted.json()


def test_the_owner_renames_its_employer(li, shanghai_system):
    response = shanghai_system.post(
        "/api/v1/employers/", {"uscc": SH_UNIT, "name": "上海新名称有限公司"}, format="json"
    )
    assert response.status_code == 200
    assert Employer.objects.get(uscc=SH_UNIT).name == "上海新名称有限公司"


def test_a_province_cannot_move_a_persons_hukou_to_another_province(li, shanghai_system):
    response = shanghai_system.put(
        f"/api/v1/persons/{LI}/", {"name": "李强", "hukou_province": "44"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "hukou_not_yours"
    assert InsuredPerson.objects.get(id_number=LI).hukou_province_id == "41"


def test_a_hukou_moved_into_the_province_is_recorded_with_its_reason(li, shanghai_system):
    response = shanghai_system.put(
        f"/api/v1/persons/{LI}/", {"name": "李强", "hukou_province": "31"}, format="json"
    )
    assert response.status_code == 200
    assert InsuredPerson.objects.get(id_number=LI).hukou_province_id == "31"
    event = AuditEvent.objects.get(action="person_hukou_change")
    assert event.subject == f"person:{li.pk}"
    assert event.detail == {"from": "41", "to": "31"}
    assert event.actor.startswith("client:")


def test_put_does_not_tell_a_province_who_exists_elsewhere(li, guangdong_system):
    """Known elsewhere or unknown, a province outside the person's scope gets the same
    answer shape: it registers nobody and learns nothing."""
    elsewhere = guangdong_system.put(
        f"/api/v1/persons/{LI}/", {"name": "李强", "hukou_province": "44"}, format="json"
    )
    assert elsewhere.status_code == 409
    assert elsewhere.json()["code"] == "person_registered"
    assert InsuredPerson.objects.get(id_number=LI).hukou_province_id == "41"
    # The same ID number registered freshly would have been a 201; the 409 is what any
    # province gets for a registered number it does not hold, and names no province.
    assert "31" not in json.dumps(elsewhere.json())
    assert "41" not in json.dumps(elsewhere.json())


def test_rk_01_does_not_name_the_other_province(li, guangdong_system):
    response = guangdong_system.post(
        "/api/v1/enrolments/",
        {"id_number": LI, "scheme": "flexible", "start_month": "2025-07"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "RK-01"
    assert "31" not in response.json()["title"]


def test_a_provincial_read_of_a_person_is_recorded(li, shanghai_system):
    shanghai_system.get(f"/api/v1/persons/{LI}/")
    shanghai_system.get(f"/api/v1/persons/{LI}/record/")
    logs = list(AccessLog.objects.filter(person_ids__contains=[li.pk]).order_by("seq"))
    assert [log.action for log in logs] == ["api_person", "api_person_record"]
    assert all(log.api_client is not None and log.user is None for log in logs)
    assert all(log.purpose for log in logs)
    assert LI not in "".join(log.path for log in logs)


def test_a_page_of_persons_is_one_read_naming_each_person(li, shanghai_system):
    other, _ = services.person_upsert(id_number=UNKNOWN, name="王芳", hukou_province="31")
    shanghai_system.get("/api/v1/persons/")
    [log] = AccessLog.objects.filter(action="api_person_list")
    assert log.person_ids == sorted([li.pk, other.pk])


def test_a_caseworker_read_over_the_api_is_recorded_with_the_agency(li, shanghai_caseworker):
    shanghai_caseworker.get(f"/api/v1/persons/{LI}/record/")
    log = AccessLog.objects.get(person_ids__contains=[li.pk])
    assert log.user.username == "shanghai"
    assert log.agency.division_code == "310000"


def test_unknown_and_out_of_scope_numbers_answer_alike(li, guangdong_system):
    assert guangdong_system.get(f"/api/v1/persons/{LI}/").json() == (
        guangdong_system.get(f"/api/v1/persons/{UNKNOWN}/").json()
    )
    assert not ContributionRecord.objects.exists()
