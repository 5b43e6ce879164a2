"""Retirement as a case over the API: a province asks, reads the facts the checker reads,
and reads the decision a caseworker takes in the admin (maker-checker)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.approvals import change_decide
from accounts.models import ChangeRequest, User
from contributions import rules, selectors, services
from contributions.models import ProvincePolicy
from contributions.rules import Month
from tests.conftest import _client_with_key
from tests.factories import paid_months

pytestmark = pytest.mark.django_db

RETIRING = "31010119600201103X"  # a man born 1960-02


@pytest.fixture
def retiring():
    call_command("seed_demo")
    person, _ = services.person_upsert(id_number=RETIRING, name="退休人", hukou_province="31")
    paid_months(person, "31", Month(2000, 1), 240)  # at a base of 8,000
    for year in range(2000, 2020):  # an average wage equal to the base: an index of 1
        ProvincePolicy.objects.get_or_create(
            province_id="31",
            year=year,
            defaults={
                "average_wage": Decimal(8000),
                "contribution_floor": Decimal(4800),
                "contribution_ceiling": Decimal(24000),
                "pension_base": Decimal(8000),
            },
        )
    return person


def test_a_province_asks_for_a_retirement_and_reads_the_decision(retiring):
    shanghai = _client_with_key("31")
    url = f"/api/v1/persons/{RETIRING}/retirement/"
    facts = shanghai.get(url).json()
    assert (facts["status"], facts["request"]) == ("active", None)
    assert (facts["contribution_months"], facts["minimum_months"]) == (240, 180)
    assert facts["claim_place"]["province"] == "31" and facts["latest"] > facts["earliest"]

    asked = shanghai.post(url, {"month": facts["earliest"]}, format="json")
    assert asked.status_code == 202, asked.json()
    assert asked.json()["request"]["status"] == "pending"
    # The pension from the month asked, computed from the record (§5).
    assert asked.json()["pension_from"] == facts["earliest"]
    pension = {k: Decimal(str(v)) for k, v in asked.json()["pension"].items()}
    assert (pension["contribution_months"], pension["average_index"]) == (240, 1)
    assert asked.json()["unindexed_months"] == 0
    age = Month(1960, 2).months_until(Month.parse(facts["earliest"]))
    assert pension["divisor"] == rules.months_divisor(age)
    assert pension["account"] == rules.round_fen(pension["account_balance"] / pension["divisor"])
    assert pension["account_balance"] == selectors.account_balance_to_date(
        person_id=retiring.pk, as_of=timezone.localdate()
    )
    assert pension["basic"] == rules.round_fen(
        pension["pension_base"] * (1 + pension["average_index"]) / 2 * 20 / 100
    )
    assert pension["total"] == pension["basic"] + pension["account"] + pension["transitional"]
    again = shanghai.post(url, {"month": facts["latest"]}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "approval_refused")

    change_decide(
        request=ChangeRequest.objects.get(), approve=True, by=User.objects.get(username="shanghai")
    )
    decided = shanghai.get(url).json()
    assert (decided["status"], decided["retired_on"]) == ("retired", f"{facts['earliest']}-01")
    assert (decided["request"]["status"], decided["request"]["outcome"]) == ("approved", "done")


def test_another_province_neither_asks_nor_reads(retiring):
    guangdong = _client_with_key("44")
    url = f"/api/v1/persons/{RETIRING}/retirement/"
    assert guangdong.get(url).status_code == 404
    assert guangdong.post(url, {"month": "2020-03"}, format="json").status_code == 404
    assert not ChangeRequest.objects.exists()
