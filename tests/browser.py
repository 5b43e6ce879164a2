"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver): where the
driver is absent, the tests that use it skip with that reason."""

import shutil

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMEDRIVER = shutil.which("chromedriver")
WAIT = 30  # seconds: generous, for a slow machine
needs_chromium = pytest.mark.skipif(
    CHROMEDRIVER is None, reason="Chromium's driver is not installed"
)


def chromium() -> webdriver.Chrome:
    """A headless Chromium the size of a phone, in English."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=360,800")  # a phone
    options.add_argument("--lang=en-US")  # the page starts in English, then switches
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    driver.implicitly_wait(0)
    return driver


def wait(driver) -> WebDriverWait:
    # An element read while the next page loads is stale: read it again.
    return WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException])


def wait_for(driver, locator):
    return wait(driver).until(expected_conditions.presence_of_element_located(locator))
