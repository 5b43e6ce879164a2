"""Caseworker screens: scope, read-only ledger rows, reversal and reinstatement actions,
and the access log. Personas come from the demo logins."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command

from accounts.models import AccessLog, ChangeRequest, User
from contributions import batches, services
from contributions.batches import ContributionRow
from contributions.models import ContributionRecord, InsuredPerson, SuspenseItem

pytestmark = pytest.mark.django_db

SHANGHAI_WORKER = "310115198802290505"  # ID-07, insured in Shanghai
GUANGDONG_WORKER = "440524188001010014"  # ID-02, hukou and insurance in Guangdong
STRANGER = "32010619850815441X"


@pytest.fixture(autouse=True)
def ledger():
    call_command("seed_demo")
    for id_number, name, province in [
        (SHANGHAI_WORKER, "陈静", "31"),
        (GUANGDONG_WORKER, "黄伟", "44"),
    ]:
        person, _ = services.person_upsert(id_number=id_number, name=name, hukou_province=province)
        services.enrolment_open(
            person=person,
            province=province,
            scheme="flexible",
            start_month=services.rules.Month(2025, 1),
        )
        batches.contribution_batch_post(
            province=province,
            rows=[ContributionRow(id_number, "2025-01", "flexible", Decimal("9500"))],
            source="test",
        )


def _client_for(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


def test_a_province_caseworker_lists_only_that_provinces_contributions(client):
    response = _client_for(client, "shanghai").get("/admin/contributions/contributionrecord/")
    assert response.status_code == 200
    shown = {record.province_id for record in response.context["cl"].result_list}
    assert shown == {"31"}


def test_a_national_caseworker_lists_every_province(client):
    response = _client_for(client, "national").get("/admin/contributions/contributionrecord/")
    shown = {record.province_id for record in response.context["cl"].result_list}
    assert shown == {"31", "44"}


def test_a_caseworker_cannot_open_a_person_outside_the_province(client):
    outsider = services.person_upsert(id_number=GUANGDONG_WORKER, name="黄伟", hukou_province="41")[
        0
    ]
    response = _client_for(client, "shanghai").get(
        f"/admin/contributions/insuredperson/{outsider.pk}/change/"
    )
    assert response.status_code == 302  # "does not exist" redirect to the index
    assert not AccessLog.objects.exists()


def test_opening_a_person_is_recorded_and_lists_show_masked_id_numbers(client):
    shanghai = _client_for(client, "shanghai")
    listing = shanghai.get("/admin/contributions/insuredperson/", {"q": "陈静"})
    assert "310115********0505" in listing.content.decode()
    assert SHANGHAI_WORKER not in listing.content.decode()
    [person] = listing.context["cl"].result_list
    assert (
        shanghai.get("/admin/contributions/insuredperson/", {"q": SHANGHAI_WORKER})
        .context["cl"]
        .result_count
        == 1
    )

    page = shanghai.get(f"/admin/contributions/insuredperson/{person.pk}/change/")

    assert page.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user.username, log.person_ids, log.action) == (
        "shanghai",
        [person.pk],
        "admin_view",
    )


def test_ledger_rows_cannot_be_changed_in_the_admin(client):
    record = ContributionRecord.objects.get(province_id="31")
    url = f"/admin/contributions/contributionrecord/{record.pk}/change/"
    response = _client_for(client, "admin").post(url, {"base": "1"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.base == Decimal("9500.00")


def _approve_as(client, username: str) -> None:
    checker = _client_for(client, username)
    change = ChangeRequest.objects.get(status="pending")
    checker.post(
        "/admin/accounts/changerequest/",
        {"action": "approve", "apply": "1", ACTION_CHECKBOX_NAME: [change.pk]},
    )


def test_the_reversal_action_asks_for_a_reason_then_waits_for_a_checker(client):
    shanghai = _client_for(client, "shanghai")
    record = ContributionRecord.objects.get(province_id="31")
    url = "/admin/contributions/contributionrecord/"
    selection = {"action": "reverse", ACTION_CHECKBOX_NAME: [record.pk]}

    confirm = shanghai.post(url, selection)
    assert confirm.status_code == 200
    assert "Reason" in confirm.content.decode()
    assert ContributionRecord.objects.count() == 2

    done = shanghai.post(url, {**selection, "apply": "1", "reason": "declared twice"})
    assert done.status_code == 302
    assert not ContributionRecord.objects.filter(reversal_of=record).exists()

    _approve_as(client, "shanghai")  # the maker cannot check their own request
    assert ChangeRequest.objects.get().status == "pending"
    _approve_as(client, "shanghai2")
    reversal = ContributionRecord.objects.get(reversal_of=record)
    assert (reversal.reason, reversal.account_part) == ("declared twice", Decimal("-760.00"))
    change = ChangeRequest.objects.get()
    assert (change.status, change.made_by.username, change.decided_by.username) == (
        "approved",
        "shanghai",
        "shanghai2",
    )


def test_a_caseworker_cannot_reverse_another_provinces_contribution(client):
    record = ContributionRecord.objects.get(province_id="44")
    _client_for(client, "shanghai").post(
        "/admin/contributions/contributionrecord/",
        {"action": "reverse", ACTION_CHECKBOX_NAME: [record.pk], "apply": "1", "reason": "x"},
    )
    assert not ChangeRequest.objects.exists()
    assert not ContributionRecord.objects.filter(reversal_of=record).exists()


def test_the_reinstatement_action_moves_a_suspense_item_to_its_person(client):
    batches.contribution_batch_post(
        province="31",
        rows=[ContributionRow(STRANGER, "2025-01", "flexible", Decimal("9500"))],
        source="test",
    )
    item = SuspenseItem.objects.get()
    services.person_upsert(id_number=STRANGER, name="赵敏", hukou_province="32")

    _client_for(client, "shanghai").post(
        "/admin/contributions/suspenseitem/",
        {"action": "reinstate", ACTION_CHECKBOX_NAME: [item.pk]},
    )
    assert not ContributionRecord.objects.filter(person__id_number=STRANGER).exists()
    _approve_as(client, "shanghai2")

    assert ContributionRecord.objects.filter(person__id_number=STRANGER).count() == 1


def test_a_persons_facts_cannot_be_changed_in_the_change_form(client):
    person = InsuredPerson.objects.get(id_number=SHANGHAI_WORKER)
    admin = _client_for(client, "admin")
    admin.post(
        f"/admin/contributions/insuredperson/{person.pk}/change/",
        {"status": "retired", "retired_on": "2025-01-01", "hukou_province": "44", "name": "改"},
    )
    person.refresh_from_db()
    assert (person.status, person.retired_on, person.hukou_province_id, person.name) == (
        "active",
        None,
        "31",
        "陈静",
    )
    enrolment = person.enrolments.get()
    response = admin.post(
        f"/admin/contributions/enrolment/{enrolment.pk}/change/",
        {"status": "closed", "end_month": "2025-02-01"},
    )
    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
