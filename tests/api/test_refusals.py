"""Requests that were once accepted and wrote something wrong: each now refused with a
field-level code, or answered with what is already there."""

import json

import pytest

from contributions import services
from contributions.models import ContributionRecord, Enrolment, InsuredPerson
from contributions.rules import Month
from tests.conftest import LI, SH_UNIT

pytestmark = pytest.mark.django_db

WOMAN = "11010519491231002X"


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.json()
    [error] = response.json()["errors"]
    return error


def test_an_enrolment_cannot_start_years_ahead(li, shanghai_system):
    enrolment = Enrolment.objects.get(person=li)
    shanghai_system.post(
        f"/api/v1/enrolments/{enrolment.pk}/close/", {"end_month": "2025-06"}, format="json"
    )
    response = shanghai_system.post(
        "/api/v1/enrolments/",
        {"id_number": LI, "scheme": "employee", "employer_uscc": SH_UNIT, "start_month": "2099-01"},
        format="json",
    )
    error = _error(response, 422)
    assert (error["field"], error["code"]) == ("start_month", "start_in_future")
    assert Enrolment.objects.filter(person=li).count() == 1


def test_next_month_is_the_latest_start(li):
    person, _ = services.person_upsert(id_number=WOMAN, name="王芳", hukou_province="31")
    next_month = Month.from_date(services._today()) + 1
    enrolment, created = services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=next_month
    )
    assert created and enrolment.start_month == next_month.first_day()


def test_an_enrolment_cannot_close_before_months_already_paid(li, shanghai_system):
    shanghai_system.post(
        "/api/v1/contributions/batches/",
        json.dumps(
            {
                "rows": [
                    {
                        "id_number": LI,
                        "month": "2025-03",
                        "scheme": "employee",
                        "employer_uscc": SH_UNIT,
                        "wage_or_base": "9000.00",
                    }
                ]
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="paid",
    )
    enrolment = Enrolment.objects.get(person=li)
    url = f"/api/v1/enrolments/{enrolment.pk}/close/"
    error = _error(shanghai_system.post(url, {"end_month": "2025-02"}, format="json"), 409)
    assert (error["field"], error["code"]) == ("end_month", "end_before_paid_months")
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"
    assert shanghai_system.post(url, {"end_month": "2025-03"}, format="json").status_code == 200


def test_a_repeated_enrolment_post_opens_one_enrolment(li, shanghai_system):
    body = {
        "id_number": LI,
        "scheme": "employee",
        "employer_uscc": SH_UNIT,
        "start_month": "2024-01",
    }
    responses = [shanghai_system.post("/api/v1/enrolments/", body, format="json") for _ in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert len({response.json()["id"] for response in responses}) == 1
    assert Enrolment.objects.filter(person=li).count() == 1


def test_category_f50_is_refused_for_a_man(shanghai_system):
    response = shanghai_system.put(
        f"/api/v1/persons/{LI}/",
        {"name": "李强", "hukou_province": "31", "retirement_category": "F50"},
        format="json",
    )
    error = _error(response, 422)
    assert (error["field"], error["code"]) == ("retirement_category", "category_sex_mismatch")
    assert not InsuredPerson.objects.exists()


def test_category_m60_is_refused_for_a_woman(shanghai_system):
    response = shanghai_system.put(
        f"/api/v1/persons/{WOMAN}/",
        {"name": "王芳", "hukou_province": "31", "retirement_category": "M60"},
        format="json",
    )
    assert _error(response, 422)["code"] == "category_sex_mismatch"


@pytest.mark.parametrize(
    "field,value",
    [("wage_or_base", "９０００.００"), ("month", "２０２５-０１"), ("month", "٢٠٢٥-٠١")],
)
def test_full_width_and_other_scripts_digits_are_refused_in_a_row(
    li, shanghai_system, field, value
):
    row = {
        "id_number": LI,
        "month": "2025-01",
        "scheme": "employee",
        "employer_uscc": SH_UNIT,
        "wage_or_base": "9000.00",
        field: value,
    }
    response = shanghai_system.post(
        "/api/v1/contributions/batches/",
        json.dumps({"rows": [row]}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"digits-{field}-{len(value)}-{ord(value[0])}",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == ("month" if field == "month" else field)
    assert not ContributionRecord.objects.exists()


def test_full_width_digits_are_refused_by_the_calculations(api_client):
    response = api_client.post(
        "/api/v1/calculations/contribution/",
        {"kind": "employee", "province": "31", "year": 2025, "wage_or_base": "８０００"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "wage_or_base"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
