"""The person's pages in a real headless Chromium (Debian's chromium and chromium-driver):
sign in, read the grid, open a month, switch language, turn on large text; axe-core finds
no serious or critical accessibility violation on any page."""

import hashlib
import io

import pytest
import requests
from axe_selenium_python import Axe
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from accounts.models import User
from contributions import services
from contributions.models import Enrolment, Statement
from contributions.rules import Month
from tests.browser import WAIT, needs_chromium, wait, wait_for
from tests.conftest import LI

PASSWORD = "a-long-pension-password"  # noqa: S105

pytestmark = [
    needs_chromium,
    # Reference data comes from migrations; serialized_rollback restores it after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _serious_violations(driver) -> list[str]:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert results["passes"], "axe-core checked nothing"
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_person_signs_in_reads_the_grid_opens_a_month_and_changes_the_display(
    live_server, browser, li_paid
):
    User.objects.create_user(username=LI, password=PASSWORD, insured_person=li_paid)
    pages_checked = []

    for path in ("/", "/activate/", "/signin/"):
        browser.get(f"{live_server.url}{path}")
        pages_checked.append((path, _serious_violations(browser)))
    browser.find_element(By.NAME, "username").send_keys(LI)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait_for(browser, (By.ID, "months-heading"))
    assert "110101********1233" in browser.page_source
    pages_checked.append(("/me/", _serious_violations(browser)))

    browser.find_element(By.LINK_TEXT, "Every month").click()
    may = wait_for(browser, (By.CSS_SELECTOR, 'a[aria-label^="2024-05"]'))
    assert "补" in may.text
    pages_checked.append(("/me/record/", _serious_violations(browser)))
    may.click()
    detail = wait_for(browser, (By.ID, "detail"))
    assert "上海示例有限公司" in detail.text and "9000.00" in detail.text
    pages_checked.append(("/me/record/?month=2024-05", _serious_violations(browser)))

    browser.get(f"{live_server.url}/me/access-log/")
    wait_for(browser, (By.TAG_NAME, "table"))
    pages_checked.append(("/me/access-log/", _serious_violations(browser)))

    browser.get(f"{live_server.url}/me/corrections/?month=2024-05")
    wait_for(browser, (By.NAME, "report"))
    pages_checked.append(("/me/corrections/", _serious_violations(browser)))

    browser.get(f"{live_server.url}/me/estimate/")
    wait_for(browser, (By.CSS_SELECTOR, "svg.chart"))
    pages_checked.append(("/me/estimate/", _serious_violations(browser)))

    browser.get(f"{live_server.url}/me/gaps/")
    wait_for(browser, (By.CSS_SELECTOR, "tr.gap-employer_arrears"))
    pages_checked.append(("/me/gaps/", _serious_violations(browser)))

    # The statement, downloaded with the browser's session, then verified in the browser.
    link = browser.find_element(By.CSS_SELECTOR, "a[href='/me/statement.pdf']")
    cookies = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    pdf = requests.get(link.get_attribute("href"), cookies=cookies, timeout=WAIT)
    assert pdf.headers["Content-Type"] == "application/pdf"
    statement = Statement.objects.get()
    assert statement.code in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    browser.get(f"{live_server.url}/verify/{statement.code}/")
    assert hashlib.sha256(pdf.content).hexdigest() in wait_for(browser, (By.TAG_NAME, "dl")).text
    pages_checked.append(("/verify/", _serious_violations(browser)))
    # He now works in Guangdong and moves his Shanghai months there.
    Enrolment.objects.filter(person=li_paid).update(status="closed", end_month="2024-06-01")
    services.enrolment_open(
        person=li_paid, province="44", scheme="flexible", start_month=Month(2024, 7)
    )
    browser.get(f"{live_server.url}/me/transfers/")
    Select(wait_for(browser, (By.NAME, "from_province"))).select_by_value("31")
    Select(browser.find_element(By.NAME, "to_province")).select_by_value("44")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait_for(browser, (By.CSS_SELECTOR, "section.transfer"))
    assert "must act now" in browser.find_element(By.CSS_SELECTOR, "section.transfer").text
    pages_checked.append(("/me/transfers/", _serious_violations(browser)))
    browser.get(f"{live_server.url}/me/")

    Select(browser.find_element(By.ID, "language")).select_by_value("zh-hans")
    browser.find_element(By.CSS_SELECTOR, "form.lang button").click()
    wait(browser).until(
        lambda driver: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    )
    assert "谁查询了我的记录" in browser.page_source

    browser.find_element(By.XPATH, "//button[@aria-pressed='false']").click()
    wait(browser).until(
        lambda driver: (
            "large-text" in driver.find_element(By.TAG_NAME, "body").get_attribute("class")
        )
    )
    pages_checked.append(("large text", _serious_violations(browser)))

    assert [(page, found) for page, found in pages_checked if found] == []


def test_an_idle_person_is_warned_and_can_stay_signed_in(live_server, browser, li_paid, settings):
    # A session of 125 s: the warning comes 120 s before its end, that is after 5 s.
    settings.SESSION_COOKIE_AGE = 125
    User.objects.create_user(username=LI, password=PASSWORD, insured_person=li_paid)
    browser.get(f"{live_server.url}/signin/")
    browser.find_element(By.NAME, "username").send_keys(LI)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    warning = wait_for(browser, (By.ID, "idle-warning"))
    assert not warning.is_displayed()
    wait(browser).until(lambda driver: warning.is_displayed())
    assert not _serious_violations(browser)
    warning.find_element(By.TAG_NAME, "button").click()
    wait(browser).until(lambda driver: not warning.is_displayed())
