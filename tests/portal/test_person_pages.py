"""The insured person's pages: sign-in, first activation by text message, the record grid,
a month's details, the CSV, who looked at the record; and that a person reaches only
themselves."""

import csv
import hashlib
import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AccessLog, ActivationCode, OutboxMessage, User
from accounts.services import access_record
from contributions import services
from contributions.batches import ContributionRow, contribution_batch_post
from contributions.models import (
    ContributionRecord,
    Enrolment,
    ProvincePolicy,
    Statement,
    SuspenseItem,
)
from contributions.rules import Month
from tests.conftest import LI, SH_UNIT
from transfers import services as transfer_services
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pension-password"  # noqa: S105
WANG = "11010519491231002X"


def _signed_in(person) -> Client:
    User.objects.create_user(username=person.id_number, password=PASSWORD, insured_person=person)
    client = Client(headers={"accept-language": "en"})
    response = client.post("/signin/", {"username": person.id_number, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/me/"
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_person_signs_in_with_the_id_number_and_sees_their_home(li_paid):
    client = _signed_in(li_paid)
    page = _text(client.get("/me/"))
    assert "110101********1233" in page
    assert LI not in page  # masked everywhere
    assert "上海示例有限公司" in page


def test_a_wrong_password_is_a_form_error_and_no_session(li_paid):
    _signed_in(li_paid)
    client = Client()
    response = client.post("/signin/", {"username": LI, "password": "wrong"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or "error" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_a_caseworker_cannot_use_the_persons_sign_in(caseworkers):
    response = Client().post("/signin/", {"username": "shanghai", "password": "x"})
    assert response.status_code == 200  # the ID number field refuses the username


def test_the_persons_pages_need_a_signed_in_person(li_paid, shanghai_caseworker):
    for url in ["/me/", "/me/record/", "/me/record.csv", "/me/access-log/"]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/signin/")
    staff = Client()
    staff.force_login(User.objects.get(username="shanghai"))
    assert staff.get("/me/").status_code == 403


def test_activation_sends_a_code_to_the_registered_mobile_then_sets_the_password(li_paid):
    client = Client()
    response = client.post("/activate/", {"id_number": LI, "name": "李强"})
    assert "138****8000" in response.content.decode()
    [message] = OutboxMessage.objects.all()
    code = re.search(r"\b(\d{6})\b", message.text)[1]
    wrong = client.post(
        "/activate/", {"code": "000000" if code != "000000" else "111111",
                       "password": PASSWORD, "password_again": PASSWORD},
    )  # fmt: skip
    assert "This code is not the one we sent." in wrong.content.decode()
    done = client.post(
        "/activate/", {"code": code, "password": PASSWORD, "password_again": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    again = Client().post("/signin/", {"username": LI, "password": PASSWORD})
    assert again.status_code == 302
    # The code served once.
    assert ActivationCode.objects.get().used_at is not None


def test_activation_says_the_same_whatever_does_not_match(li_paid):
    answers = set()
    for id_number, name in [(LI, "王芳"), (WANG, "王芳"), ("110101199003071234", "李强")]:
        page = Client().post("/activate/", {"id_number": id_number, "name": name})
        answers.add("do not match a registered person" in page.content.decode())
    assert answers == {True}
    assert not OutboxMessage.objects.exists()


def test_the_grid_shows_each_month_with_its_marks_and_a_month_opens(li_paid):
    client = _signed_in(li_paid)
    page = client.get("/me/record/").content.decode()
    cell = re.search(r'aria-label="2024-05 [^"]*"[^>]*>(.*?)</a>', page)[1]
    assert "31" in cell and "补" in cell  # back-payment
    march = re.search(r'aria-label="2024-03 [^"]*"[^>]*>(.*?)</a>', page)[1]
    assert "更" in march and "31" not in march  # corrected, nothing standing
    detail = _text(client.get("/me/record/", {"month": "2024-03"}))
    assert "wrong base" in detail and "reversed" in detail


def test_the_csv_has_every_record_with_its_status(li_paid):
    client = _signed_in(li_paid)
    body = client.get("/me/record.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(r["month"], r["status"]) for r in rows} >= {
        ("2024-03", "reversed"),
        ("2024-03", "reversal"),
        ("2024-05", "standing"),
    }
    assert {r["kind"] for r in rows if r["month"] == "2024-05"} == {"back_payment"}


def test_the_access_log_names_the_agency_never_the_caseworker(li_paid, caseworkers):
    reader = User.objects.get(username="shanghai")
    access_record(
        principal=reader, person_ids=[li_paid.pk], action="admin_view", path="/x", purpose="核对"
    )
    page = _text(_signed_in(li_paid).get("/me/access-log/"))
    assert reader.agency.name in page and "核对" in page
    assert "shanghai" not in page and reader.first_name not in page
    assert AccessLog.objects.count() == 1  # the person reading their own log is not a read


def test_a_person_never_reaches_another_persons_record(li_paid):
    other, _ = services.person_upsert(id_number=WANG, name="王芳", hukou_province="11")
    client = _signed_in(other)
    for url in ["/me/", "/me/record/", "/me/record.csv"]:
        assert LI not in client.get(url).content.decode("utf-8-sig")
        assert "李强" not in client.get(url).content.decode("utf-8-sig")
    assert client.get("/me/record/", {"month": "2024-01"}).status_code == 200
    assert (
        "上海示例有限公司" not in client.get("/me/record/", {"month": "2024-01"}).content.decode()
    )


def test_large_text_is_remembered_for_the_person(li_paid):
    client = _signed_in(li_paid)
    client.post("/me/large-text/", {"next": "/me/record/"})
    assert 'class="large-text"' in client.get("/me/").content.decode()
    assert User.objects.get(username=LI).prefers_large_text


def test_a_kept_record_page_carries_the_requests_own_form_token(li_paid):
    client = _signed_in(li_paid)
    client.handler.enforce_csrf_checks = True
    client.get("/me/record/")  # rendered and kept
    page = client.get("/me/record/").content.decode()  # from the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert "slot" not in token
    response = client.post("/me/large-text/", {"next": "/me/record/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert 'class="large-text"' in client.get("/me/record/").content.decode()


def test_a_kept_record_page_costs_no_query(li_paid, django_assert_num_queries):
    client = _signed_in(li_paid)
    client.get("/me/record/")  # the principal and the page are kept
    with django_assert_num_queries(0):
        assert client.get("/me/record/").status_code == 200


def test_a_kept_principal_follows_each_change_of_the_user_and_the_person(li_paid):
    client = _signed_in(li_paid)
    assert client.get("/me/").status_code == 200
    li_paid.name = "李强强"
    li_paid.save(update_fields=["name"])
    assert "李强强" in client.get("/me/").content.decode()
    user = User.objects.get(username=LI)
    user.set_password("another-long-pension-password")
    user.save()
    assert client.get("/me/")["Location"].startswith("/signin/")  # the old session ends

    client = Client()
    client.post("/signin/", {"username": LI, "password": "another-long-pension-password"})
    assert client.get("/me/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/me/")["Location"].startswith("/signin/")


def test_the_month_grid_starts_at_the_first_month_and_runs_to_now(li_paid):
    client = _signed_in(li_paid)
    page = client.get("/me/record/").content.decode()
    this_year = timezone.localdate().year
    assert f'<th scope="row">{this_year}</th>' in page
    assert '<th scope="row">2023</th>' not in page


def test_the_gaps_page_says_what_each_missing_month_is(li_paid):
    # 2024-03 was reversed: the employer's arrears. Shanghai has posted nothing after 2024-06.
    page = _text(_signed_in(li_paid).get("/me/gaps/"))
    assert "2024-03 (1 month) 31 payable Your employer 上海示例有限公司" in page
    assert "2024-07 – " in page and "has not posted these months yet" in page


def test_the_statement_is_a_pdf_with_the_record_and_a_code_anyone_can_verify(li_paid):
    response = _signed_in(li_paid).get("/me/statement.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    statement = Statement.objects.get(person=li_paid)
    assert statement.code in text and "110101********1233" in text
    assert LI not in text
    assert statement.sha256 == hashlib.sha256(pdf).hexdigest()
    # 2024: Shanghai, 5 months standing (03 reversed), 5 × 720.00 of account credits.
    assert "2024" in text and "3,600.00" in text

    page = Client(headers={"accept-language": "en"}).get(f"/verify/{statement.code.lower()}/")
    shown = _text(page)
    assert page.status_code == 200 and statement.sha256 in shown
    assert "110101********1233" in shown and "李*" in shown
    assert "李强" not in shown and LI not in shown
    assert Client().get("/verify/AAAAAAAAAAAAAAAA/").status_code == 404


def test_each_download_is_a_new_statement_with_its_own_code(li_paid):
    client = _signed_in(li_paid)
    client.get("/me/statement.pdf")
    client.get("/me/statement.pdf")
    codes = set(Statement.objects.filter(person=li_paid).values_list("code", flat=True))
    assert len(codes) == 2


def test_a_person_applies_for_a_transfer_and_follows_it(li_paid):
    # 李强 paid in Shanghai; he now works in Guangdong, where he has joined the scheme.
    Enrolment.objects.filter(person=li_paid).update(status="closed", end_month="2024-06-01")
    services.enrolment_open(
        person=li_paid, province="44", scheme="flexible", start_month=Month(2024, 7)
    )
    client = _signed_in(li_paid)
    refused = client.post("/me/transfers/", {"from_province": "44", "to_province": "44"})
    assert "Select a valid choice" in refused.content.decode()  # nothing was paid in 44
    assert not Transfer.objects.exists()

    applied = client.post("/me/transfers/", {"from_province": "31", "to_province": "44"})
    assert applied.status_code == 302
    transfer = Transfer.objects.get(person=li_paid)
    page = _text(client.get("/me/transfers/"))
    deadline = transfer.step_deadline.isoformat()
    assert f"The office in 广东省 must act now, by {deadline}" in page
    transfer_services.transfer_accept(transfer=transfer, on=timezone.localdate())
    page = _text(client.get("/me/transfers/"))
    assert "The office in 上海市 must act now" in page  # the sending office sends the sheet

    again = client.post("/me/transfers/", {"from_province": "31", "to_province": "44"})
    assert "another transfer is already being handled" in again.content.decode()


def test_the_estimate_shows_each_part_and_the_window_and_takes_new_assumptions(li_paid):
    client = _signed_in(li_paid)
    page = _text(client.get("/me/estimate/"))
    assert "An estimate, not a decision." in page
    assert "Basic pension" in page and "Personal-account pension" in page
    assert "(statutory)" in page  # the window's table marks the statutory month
    changed = client.get(
        "/me/estimate/",
        {"retirement": "2053-06", "base_index": "2", "wage_growth": "0", "crediting_rate": "1"},
    )
    assert "Retiring in 2053-06" in _text(changed)
    refused = client.get("/me/estimate/", {"retirement": "2200-01", "base_index": "9"})
    assert "Select a valid choice" in refused.content.decode()


def test_the_career_picture_gives_each_years_base_index_with_a_table(li_paid):
    page = _text(_signed_in(li_paid).get("/me/record/"))
    wage = ProvincePolicy.objects.get(province_id="31", year=2024).average_wage
    index = (Decimal("9000") / wage).quantize(Decimal("0.01"))
    # 2024 in Shanghai: five months standing (March was reversed).
    assert f"2024 31 5 {index}" in page
    assert f"{timezone.localdate().year} nothing paid" in page


def test_the_kept_rendering_of_the_record_follows_each_posting_at_once(
    li_paid, django_capture_on_commit_callbacks
):
    """A batch, a reversal and a reinstatement each drop the kept rendering on commit."""
    client = _signed_in(li_paid)

    def july() -> str:
        page = client.get("/me/record/").content.decode()
        return re.search(r'aria-label="2024-07 [^"]*"[^>]*>.*?</a>', page)[0]

    assert "not paid" in july()
    row = ContributionRow(LI, "2024-07", "employee", Decimal("9000"), employer_uscc=SH_UNIT)
    with django_capture_on_commit_callbacks(execute=True):
        contribution_batch_post(province="31", rows=[row], source="test")
    assert "paid in 31" in july() and "更" not in july()
    posted = ContributionRecord.objects.get(person=li_paid, month="2024-07-01")
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_reverse(record=posted, reason="wrong month")
    assert "更" in july()

    stranger = "110101198001010010"
    contribution_batch_post(province="31", rows=[replace(row, id_number=stranger)], source="t")
    person, _ = services.person_upsert(id_number=stranger, name="赵敏", hukou_province="31")
    client = _signed_in(person)
    assert 'aria-label="2024-07' not in client.get("/me/record/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.suspense_reinstate(item=SuspenseItem.objects.get(), person=person)
    assert "paid in 31" in july()
