"""The caseworker's desk on the admin's front page: what waits on the office, overdue first,
the latest screening run with its progress, and the reconciliation differences."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from contributions.models import ReconciliationResult, ReconciliationRun
from contributions.rules import Month
from risk.models import ScreeningRun
from tests.factories import paid_months
from transfers import services as transfers

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(li) -> Client:
    call_command("seed_demo")
    paid_months(li, "41", Month(2015, 1), 12)
    transfers.transfer_apply(
        person=li, from_province="41", to_province="31", applied_on=date(2026, 3, 2)
    )
    ScreeningRun.objects.create(province_id="31", status="running", slices_total=10, slices_done=4)
    run = ReconciliationRun.objects.create(discrepancies=2)
    for province, difference in (("31", "12.00"), ("44", "7.00")):
        ReconciliationResult.objects.create(
            run=run, province_id=province, account="pooling_fund", subledger_total=0,
            control_total=Decimal(difference), difference=Decimal(difference),
        )  # fmt: skip
    client = Client(headers={"accept-language": "en"})
    client.force_login(User.objects.get(username="shanghai"))
    return client


def test_the_desk_shows_the_overdue_transfer_the_running_screening_and_own_differences(
    desk_client,
):
    page = desk_client.get("/admin/").content.decode()
    assert "Transfers by step, overdue first" in page
    assert "applied (已申请)</a></th><td>1</td><td>1</td>" in page  # due 2026-03-23: overdue
    assert '<progress value="4" max="10"' in page
    assert '<meta http-equiv="refresh" content="5">' in page  # it moves while it runs
    assert "<td>12.00</td>" in page and "<td>7.00</td>" not in page  # Guangdong's is not ours


def test_a_persons_page_shows_the_national_record_and_logs_the_read(desk_client, li):
    from accounts.models import AccessLog

    page = desk_client.get(f"/admin/contributions/insuredperson/{li.pk}/change/")
    text = page.content.decode()
    assert "National record" in text
    assert '<th scope="row">41</th><td>12</td>' in text  # months by province
    assert "Benefit-claim place" in text and "/admin/transfers/transfer/" in text
    assert AccessLog.objects.filter(action="admin_view").count() == 1

    desk_client.force_login(User.objects.get(username="guangdong"))
    elsewhere = desk_client.get(f"/admin/contributions/insuredperson/{li.pk}/change/")
    assert "National record" not in elsewhere.content.decode()
