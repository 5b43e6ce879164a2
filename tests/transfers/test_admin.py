"""Transfers in the admin: seen by caseworkers of either province, read-only."""

from datetime import date

import pytest
from django.core.management import call_command

from accounts.models import User
from contributions.rules import Month
from tests.factories import paid_months
from transfers import services as transfers
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(li) -> Transfer:
    call_command("seed_demo")
    paid_months(li, "41", Month(2015, 1), 24)
    return transfers.transfer_apply(
        person=li, from_province="41", to_province="31", applied_on=date(2026, 3, 2)
    )


def _listed(client, username: str) -> list[Transfer]:
    client.force_login(User.objects.get(username=username))
    response = client.get("/admin/transfers/transfer/")
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_receiving_province_and_the_nation_see_a_transfer_others_do_not(client, transfer):
    assert _listed(client, "shanghai") == [transfer]
    assert _listed(client, "national") == [transfer]
    assert _listed(client, "guangdong") == []


def test_a_transfer_shows_its_steps_and_cannot_be_edited_here(client, transfer):
    client.force_login(User.objects.get(username="shanghai"))
    page = client.get(f"/admin/transfers/transfer/{transfer.pk}/change/")
    assert page.status_code == 200
    assert "2026-03-23" in page.content.decode() or "2026年3月23日" in page.content.decode()
    response = client.post(
        f"/admin/transfers/transfer/{transfer.pk}/change/", {"status": "completed"}
    )
    assert response.status_code == 403
    assert Transfer.objects.get().status == "applied"
