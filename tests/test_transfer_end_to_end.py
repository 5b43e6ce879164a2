"""One transfer across the three channels: the person applies in the browser, the receiving
province accepts over the API, a caseworker of the sending province sends in the admin, and
the receiving province records the funds and completes over the API. The person's page shows
each step; every journal entry balances and the money is conserved."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts.models import Agency, User
from contributions.models import JournalEntry, JournalLine, PersonalAccountEntry
from contributions.rules import Month
from tests.browser import needs_chromium, wait_for
from tests.conftest import LI, _client_with_key
from tests.factories import paid_months
from transfers.models import Transfer

pytestmark = [
    needs_chromium,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HENAN, SHANGHAI = "41", "31"
PASSWORD = "a-long-pension-password"  # noqa: S105


def _steps_on_the_page(browser, live_server) -> list[str]:
    browser.get(f"{live_server.url}/me/transfers/")
    section = wait_for(browser, (By.CSS_SELECTOR, "section.transfer"))
    return [item.text for item in section.find_elements(By.CSS_SELECTOR, "ol.steps li")]


def test_a_transfer_crosses_the_browser_the_api_and_the_admin(live_server, browser, li):
    paid_months(li, HENAN, Month(2015, 1), 24, base="6000")
    User.objects.create_user(username=LI, password=PASSWORD, insured_person=li)
    henan = User.objects.create_user(
        username="henan", is_staff=True, agency=Agency.objects.get(division_code="410000")
    )
    henan.groups.add(Group.objects.get(name="caseworker (经办)"))
    shanghai = _client_with_key(SHANGHAI)

    # 1. The person applies in the browser.
    browser.get(f"{live_server.url}/signin/")
    browser.find_element(By.NAME, "username").send_keys(LI)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait_for(browser, (By.ID, "months-heading"))
    browser.get(f"{live_server.url}/me/transfers/")
    Select(wait_for(browser, (By.NAME, "from_province"))).select_by_value(HENAN)
    Select(browser.find_element(By.NAME, "to_province")).select_by_value(SHANGHAI)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    assert len(_steps_on_the_page(browser, live_server)) == 1

    # 2. Shanghai, the receiving office, finds the case and accepts it over the API.
    [case] = shanghai.get("/api/v1/transfers/?role=receiving&state=applied").json()["results"]
    accepted = shanghai.post(f"/api/v1/transfers/{case['id']}/accept/", {}, format="json")
    assert accepted.json()["acting_office"] == "sending"
    assert len(_steps_on_the_page(browser, live_server)) == 2

    # 3. A Henan caseworker sends in the admin.
    desk = Client()
    desk.force_login(henan)
    transfer = Transfer.objects.get()
    desk.post(
        "/admin/transfers/transfer/",
        {"action": "send", "_selected_action": [transfer.pk], "apply": "1", "on": str(
            transfer.accepted_on
        )},
    )  # fmt: skip
    transfer.refresh_from_db()
    assert transfer.status == "sent"
    assert transfer.pooling_amount == Decimal("17280.00")  # 12 % of 24 × 6000
    assert len(_steps_on_the_page(browser, live_server)) == 3

    # 4. Shanghai records the funds the bank credited and completes over the API.
    url = f"/api/v1/transfers/{case['id']}"
    funds = {"pooling_received": str(transfer.pooling_amount)}
    assert shanghai.post(f"{url}/funds-received/", funds, format="json").status_code == 200
    assert shanghai.post(f"{url}/complete/", {}, format="json").json()["status"] == "completed"
    steps = _steps_on_the_page(browser, live_server)
    assert len(steps) == 5 and "completed" in steps[-1]

    # Every journal entry balances; what left Henan arrived in Shanghai.
    for entry in JournalEntry.objects.all():
        assert entry.lines.aggregate(total=Sum("amount"))["total"] == 0, entry
    clearing = JournalLine.objects.filter(account="transfer_clearing").aggregate(t=Sum("amount"))
    assert clearing["t"] == 0
    moved = PersonalAccountEntry.objects.filter(kind__in=["transfer_out", "transfer_in"])
    assert moved.aggregate(total=Sum("amount"))["total"] == 0
    assert moved.filter(province_id=SHANGHAI).get().amount == transfer.account_amount > 0
