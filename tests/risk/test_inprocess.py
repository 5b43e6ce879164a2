"""In-process rules (事中): a blocking rule stops the action with its code and reason; a
warning rule lets it through and files a flag."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import call_command

from accounts.models import AccessLog, ChangeRequest, User
from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, DeemedService, InsuredPerson
from contributions.rules import Month
from contributions.services import BatchRejected, LedgerError
from risk.models import RiskFlag, RiskRule
from synthetic.nation import id_check_digit
from tests.factories import paid_months

pytestmark = pytest.mark.django_db


def _person(birth: str, sex: str, hukou: str) -> InsuredPerson:
    """A person born on `birth` (YYYYMMDD) with a valid ID number."""
    body = f"{hukou}0101{birth}00{'1' if sex == 'M' else '2'}"
    return services.person_upsert(
        id_number=body + id_check_digit(body), name="测试", hukou_province=hukou
    )[0]


def _post(person: InsuredPerson, month: str) -> None:
    batches.contribution_batch_post(
        province="11",
        rows=[ContributionRow(person.id_number, month, "flexible", Decimal("8000"))],
        source="test",
    )


# --- RK-03 and RK-20 on contribution posting -----------------------------------------------


def test_rv_04_a_contribution_after_the_pension_started_is_blocked():
    """GIVEN benefit start 2024-07 WHEN 2024-08 is posted THEN RK-03 refuses the row."""
    person = _person("19640101", "M", "11")
    InsuredPerson.objects.filter(pk=person.pk).update(status="retired", retired_on="2024-07-01")
    with pytest.raises(BatchRejected) as caught:
        _post(person, "2024-08")
    assert [(e.code, e.field) for e in caught.value.errors] == [("RK-03", "month")]
    assert not ContributionRecord.objects.exists()


def test_a_contribution_before_the_pension_started_is_posted():
    person = _person("19640101", "M", "11")
    InsuredPerson.objects.filter(pk=person.pk).update(status="retired", retired_on="2024-07-01")
    _post(person, "2024-06")
    assert ContributionRecord.objects.count() == 1


def test_a_contribution_before_age_16_is_blocked_by_rk_20():
    person = _person("20090315", "F", "11")
    with pytest.raises(BatchRejected) as caught:
        _post(person, "2025-02")  # 15 years 11 months
    assert caught.value.errors[0].code == "RK-20"
    _post(person, "2025-03")  # the month she turns 16
    assert ContributionRecord.objects.count() == 1


def test_a_contribution_after_the_death_month_is_blocked_by_rk_20():
    person = _person("19700101", "M", "11")
    InsuredPerson.objects.filter(pk=person.pk).update(status="deceased", died_on="2025-03-15")
    _post(person, "2025-03")  # the death month itself is due
    with pytest.raises(BatchRejected) as caught:
        _post(person, "2025-04")
    assert caught.value.errors[0].code == "RK-20"


# --- RK-17 and RK-01 on enrolment -------------------------------------------------------


def test_tr_07_a_man_of_50_outside_his_hukou_province_needs_a_temporary_account():
    """GIVEN a man born 1972-05 with hukou Henan WHEN he enrols in Shanghai in 2023-03
    THEN RK-17 refuses a normal enrolment; a temporary account is accepted (TR-07)."""
    person = _person("19720515", "M", "41")
    with pytest.raises(LedgerError) as caught:
        services.enrolment_open(
            person=person, province="31", scheme="flexible", start_month=Month(2023, 3)
        )
    assert caught.value.code == "RK-17"
    services.enrolment_open(
        person=person,
        province="31",
        scheme="flexible",
        start_month=Month(2023, 3),
        is_temporary_account=True,
    )


def test_tr_08_an_organisational_transfer_needs_no_temporary_account():
    person = _person("19720515", "M", "41")
    enrolment, _ = services.enrolment_open(
        person=person,
        province="31",
        scheme="flexible",
        start_month=Month(2023, 3),
        organisational_transfer=True,
    )
    assert not enrolment.is_temporary_account


def test_a_warning_rule_lets_the_enrolment_through_and_files_a_flag():
    RiskRule.objects.filter(code="RK-17").update(severity="warn")
    person = _person("19720515", "M", "41")
    services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=Month(2023, 3)
    )
    flag = RiskFlag.objects.get(rule="RK-17")
    assert (flag.person_id, flag.province_id, flag.status) == (person.pk, "31", "open")


def test_an_inactive_rule_does_not_block():
    RiskRule.objects.filter(code="RK-17").update(is_active=False)
    person = _person("19720515", "M", "41")
    services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=Month(2023, 3)
    )


# --- RK-12 and RK-19 on retirement ---------------------------------------------------------


def test_rv_09_retiring_before_the_earliest_month_is_blocked_by_rk_12():
    """GIVEN a man born 1970-06 (statutory 2031-11, earliest 2030-06) with 200 months
    WHEN he asks to retire in 2030-05 THEN RK-12 refuses; 2030-06 is approved."""
    person = _person("19700601", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 200)
    with pytest.raises(LedgerError) as caught:
        services.person_retire(person=person, month=Month(2030, 5))
    assert caught.value.code == "RK-12"
    retired = services.person_retire(person=person, month=Month(2030, 6))
    assert retired.retired_on == date(2030, 6, 1)


def test_retiring_after_the_latest_month_is_refused_with_its_code():
    """GIVEN a man born 1970-06 (statutory 2031-11, latest 2034-11) WHEN he asks to retire
    in 2034-12 THEN the claim is refused whatever the risk rules say; 2034-11 is approved."""
    person = _person("19700601", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 240)
    with pytest.raises(LedgerError) as caught:
        services.person_retire(person=person, month=Month(2034, 12))
    assert (caught.value.code, caught.value.field) == ("after_latest_month", "month")
    assert "2034-11" in caught.value.message
    assert services.person_retire(person=person, month=Month(2034, 11)).status == "retired"


def test_fw_06_185_months_are_not_enough_in_2030():
    person = _person("19700601", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 185)
    with pytest.raises(LedgerError) as caught:
        services.person_retire(person=person, month=Month(2030, 6))
    assert caught.value.code == "RK-19"
    assert "186" in caught.value.message


def test_pn_05_179_months_retiring_in_2027_are_refused_and_180_accepted():
    short = _person("19650101", "M", "11")
    paid_months(short, short.hukou_province_id, Month(2010, 1), 179)
    with pytest.raises(LedgerError, match="RK-19"):
        services.person_retire(person=short, month=Month(2027, 6))
    enough = _person("19650102", "M", "11")
    paid_months(enough, enough.hukou_province_id, Month(2010, 1), 180)
    services.person_retire(person=enough, month=Month(2027, 6))


def test_deemed_months_count_towards_the_minimum_on_retirement():
    """GIVEN 150 months paid and 30 deemed months (视同缴费) before 1998 WHEN retiring in
    2027 THEN the 180 months are met."""
    person = _person("19650101", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 150)
    DeemedService.objects.create(
        person=person, province_id="11", months=30, until_month=date(1997, 12, 1)
    )
    retired = services.person_retire(person=person, month=Month(2027, 6))
    assert retired.status == "retired"


def test_deemed_months_short_of_the_minimum_are_still_refused():
    person = _person("19650101", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 150)
    DeemedService.objects.create(
        person=person, province_id="11", months=29, until_month=date(1997, 12, 1)
    )
    with pytest.raises(LedgerError) as caught:
        services.person_retire(person=person, month=Month(2027, 6))
    assert caught.value.code == "RK-19"
    assert "179 contribution months" in caught.value.message


def test_a_special_route_may_retire_before_the_earliest_month():
    person = _person("19700601", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 200)
    services.person_retire(person=person, month=Month(2029, 1), special_route=True)


def test_the_admin_shows_a_blocking_rule_and_changes_nothing(client):
    call_command("seed_demo")
    person = _person("19650101", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 100)
    client.force_login(User.objects.get(username="admin"))
    client.post(
        "/admin/contributions/insuredperson/",
        {
            "action": "approve_retirement",
            ACTION_CHECKBOX_NAME: [person.pk],
            "apply": "1",
            "month": "2027-06",
        },
    )
    change = ChangeRequest.objects.get()
    client.force_login(User.objects.get(username="national"))
    selection = {"action": "approve", ACTION_CHECKBOX_NAME: [change.pk]}
    confirm = client.post("/admin/accounts/changerequest/", selection)
    facts = confirm.content.decode()  # the checker reads the record before approving
    assert "may retire from" in facts and "missed month(s)" in facts and "pension from" in facts
    assert AccessLog.objects.filter(action="admin_retirement_check").exists()
    change.refresh_from_db()
    assert change.status == "pending"
    response = client.post(
        "/admin/accounts/changerequest/", {**selection, "apply": "1"}, follow=True
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("RK-19" in message for message in shown)
    change.refresh_from_db()
    assert (change.status, change.decided_by.username) == ("failed", "national")
    assert "RK-19" in change.outcome
    person.refresh_from_db()
    assert person.status == "active"


def test_a_return_to_a_province_of_an_earlier_normal_relationship_needs_no_temporary_account():
    """GIVEN a man insured normally in Shanghai at 35 WHEN he comes back at 52 after a break
    THEN he resumes his relationship there: no temporary account (spec §3.4)."""
    person = _person("19720515", "M", "41")
    earlier, _ = services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=Month(2007, 5)
    )
    services.enrolment_end(enrolment=earlier, status="closed", end_month=Month(2012, 12))
    services.enrolment_open(
        person=person, province="31", scheme="flexible", start_month=Month(2024, 6)
    )


# --- in-process warnings in bulk ------------------------------------------------------------


def _youngsters(count: int) -> list[InsuredPerson]:
    """Persons born in 2010: every month of 2024 is before they turn 16 (RK-20)."""
    return [_person(f"2010{1 + i // 28:02d}{1 + i % 28:02d}", "M", "11") for i in range(count)]


def _queries_to_post(persons: list[InsuredPerson], months: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [
        ContributionRow(person.id_number, str(Month(2024, 1) + m), "flexible", Decimal("8000"))
        for person in persons
        for m in range(months)
    ]
    with CaptureQueriesContext(connection) as queries:
        result = batches.contribution_batch_post(province="11", rows=rows, source="test")
    assert result.posted == len(rows)
    return len(queries)


def test_posting_costs_the_same_queries_whatever_the_number_of_warnings():
    """RK-20 at warn: 10 rows and 1,000 rows, every one warned, cost the same queries."""
    RiskRule.objects.filter(code="RK-20").update(severity="warn")
    persons = _youngsters(84)
    small = _queries_to_post(persons[:1], 10)
    large = _queries_to_post(persons[1:], 12)  # 83 × 12 = 996 rows
    assert small == large
    # One flag per person and year, however many of its months warned.
    assert RiskFlag.objects.filter(rule="RK-20").count() == 84


def test_the_retirement_form_shows_the_window_the_months_and_the_claim_place(client):
    """Before asking, the caseworker reads what RK-12 and RK-19 will check and where the
    pension is claimed."""
    call_command("seed_demo")
    person = _person("19650101", "M", "11")
    paid_months(person, person.hukou_province_id, Month(2010, 1), 100)
    client.force_login(User.objects.get(username="admin"))
    page = client.post(
        "/admin/contributions/insuredperson/",
        {"action": "approve_retirement", ACTION_CHECKBOX_NAME: [person.pk]},
    ).content.decode()
    assert "100 of 180 months" in page
    assert "may retire from " in page and "claim place 11 (R" in page
    assert not ChangeRequest.objects.exists()
