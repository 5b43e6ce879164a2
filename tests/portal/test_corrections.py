"""Correction cases (核对申请): a person reports a month as wrong, the province's caseworkers
see it with the month's records and decide, and the person reads the decision."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import AccessLog, ChangeRequest, User
from contributions.models import CorrectionCase
from tests.conftest import LI

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pension-password"  # noqa: S105


@pytest.fixture
def reporter(li_paid) -> Client:
    call_command("seed_demo")
    User.objects.create_user(username=LI, password=PASSWORD, insured_person=li_paid)
    client = Client(headers={"accept-language": "en"})
    client.post("/signin/", {"username": LI, "password": PASSWORD})
    return client


def _report(client, month: str, report: str = "The base was 9000, not 900."):
    return client.post("/me/corrections/", {"province": "31", "month": month, "report": report})


def test_a_person_reports_a_month_once_and_reads_the_decision(reporter):
    assert (
        'href="/me/corrections/?month=2024-06"'
        in reporter.get("/me/record/", {"month": "2024-06"}).content.decode()
    )
    empty = _report(reporter, "2024-06", report="")
    assert empty.context["form"].errors["report"]
    assert _report(reporter, "2024-06").status_code == 302
    again = _report(reporter, "2024-06")
    assert "already being checked" in again.content.decode()
    assert CorrectionCase.objects.get().status == "open"

    desk = Client(headers={"accept-language": "en"})
    desk.force_login(User.objects.get(username="shanghai"))
    case = CorrectionCase.objects.get()
    page = desk.get(f"/admin/contributions/correctioncase/{case.pk}/change/").content.decode()
    assert "base 9000.00" in page and "posted" in page  # the month's provenance
    assert AccessLog.objects.filter(action="admin_correction_view").exists()
    desk.post(
        "/admin/contributions/correctioncase/",
        {"action": "refuse", "_selected_action": [case.pk], "apply": "1",
         "decision": "The employer declared 9000; the record is right."},
    )  # fmt: skip
    mine = reporter.get("/me/corrections/").content.decode()
    assert "refused, with the reason" in mine and "the record is right" in mine


def test_a_reversal_asked_for_waits_for_a_second_caseworker(reporter):
    _report(reporter, "2024-06")
    case = CorrectionCase.objects.get()
    desk = Client()
    desk.force_login(User.objects.get(username="shanghai"))
    desk.post(
        "/admin/contributions/correctioncase/",
        {"action": "ask_reversal", "_selected_action": [case.pk], "apply": "1",
         "decision": "Posted twice by the employer; reversed."},
    )  # fmt: skip
    case.refresh_from_db()
    assert case.status == "reversal"
    assert ChangeRequest.objects.get().kind == "reversal"


def test_another_province_does_not_see_the_case(reporter):
    _report(reporter, "2024-06")
    case = CorrectionCase.objects.get()
    desk = Client()
    desk.force_login(User.objects.get(username="guangdong"))
    listed = desk.get("/admin/contributions/correctioncase/").context["cl"].result_count
    assert listed == 0
    assert desk.get(f"/admin/contributions/correctioncase/{case.pk}/change/").status_code in (
        302,
        404,
    )
