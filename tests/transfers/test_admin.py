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


# --- The desk: the queue and the steps -------------------------------------------------------


@pytest.fixture
def henan_caseworker(transfer) -> User:
    from django.contrib.auth.models import Group

    from accounts.models import Agency

    user = User.objects.create_user(
        username="henan", is_staff=True, agency=Agency.objects.get(division_code="410000")
    )
    user.groups.add(Group.objects.get(name="caseworker (经办)"))
    return user


def _act(client, username: str, action: str, transfer: Transfer, **fields):
    client.force_login(User.objects.get(username=username))
    data = {"action": action, "_selected_action": [transfer.pk], "apply": "1", **fields}
    return client.post("/admin/transfers/transfer/", data, follow=True)


def test_the_queue_puts_the_cases_waiting_on_my_office_first_and_marks_the_overdue(
    client, transfer
):
    client.force_login(User.objects.get(username="shanghai"))
    page = client.get("/admin/transfers/transfer/?waiting=us")
    assert list(page.context["cl"].result_list) == [transfer]
    assert "overdue" in page.content.decode()  # due 2026-03-23, long past
    transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 5))
    page = client.get("/admin/transfers/transfer/?waiting=us")
    assert list(page.context["cl"].result_list) == []  # now the sending office's turn


def test_each_office_takes_its_own_steps_through_the_services(client, transfer, henan_caseworker):
    _act(client, "shanghai", "accept", transfer, on="2026-03-05")
    assert Transfer.objects.get().status == "accepted"

    refused = _act(client, "shanghai", "send", transfer, on="2026-03-06")
    assert "this step is for the sending office (41)" in refused.content.decode()
    assert Transfer.objects.get().status == "accepted"

    client.force_login(henan_caseworker)
    preview = client.post(
        "/admin/transfers/transfer/", {"action": "send", "_selected_action": [transfer.pk]}
    )
    assert "24 month(s) move, pooling funds 23040.00" in preview.content.decode()
    _act(client, "henan", "send", transfer, on="2026-03-10")
    sent = Transfer.objects.get()
    assert (sent.status, sent.pooling_amount) == ("sent", 23040)

    _act(client, "shanghai", "record_funds", transfer, on="2026-03-12", pooling_received="23040")
    _act(client, "shanghai", "complete", transfer, on="2026-03-13")
    assert Transfer.objects.get().status == "completed"
    assert list(Transfer.objects.get().steps.values_list("by__username", flat=True)) == [
        None,
        "shanghai",
        "henan",
        "shanghai",
        "shanghai",
    ]


def test_a_step_form_error_changes_nothing(client, transfer):
    page = _act(client, "shanghai", "reject", transfer, on="2026-03-05", reason="")
    assert list(page.context["form"].errors) == ["reason"]
    page = _act(client, "shanghai", "accept", transfer, on="2999-01-01")
    assert page.context["form"].errors["on"] == ["A step cannot be dated after today."]
    out_of_order = _act(client, "shanghai", "complete", transfer, on="2026-03-05")
    assert "not funds received" in out_of_order.content.decode()
    assert Transfer.objects.get().status == "applied"


def test_a_viewer_takes_no_step(client, transfer):
    page = _act(client, "weifang", "accept", transfer, on="2026-03-05")
    assert Transfer.objects.get().status == "applied"
    assert page.status_code in (200, 403)


def test_the_contact_letter_and_the_information_sheet_come_as_pdf_once_their_step_is_taken(
    client, transfer
):
    import io

    from pypdf import PdfReader

    from accounts.models import AccessLog
    from tests.conftest import LI

    def text(response) -> str:
        assert response["Content-Type"] == "application/pdf"
        return PdfReader(io.BytesIO(response.content)).pages[0].extract_text()

    base = f"/admin/transfers/transfer/{transfer.pk}"
    client.force_login(User.objects.get(username="shanghai"))
    assert client.get(f"{base}/contact-letter.pdf").status_code == 404  # not accepted yet
    transfers.transfer_accept(transfer=transfer, on=date(2026, 3, 5))
    letter = text(client.get(f"{base}/contact-letter.pdf"))
    assert str(transfer.public_id) in letter and LI in letter
    assert "contact letter" in client.get(f"{base}/change/").content.decode()

    transfers.transfer_send(transfer=transfer, on=date(2026, 3, 10))
    sheet = text(client.get(f"{base}/information-sheet.pdf"))
    assert "2015-01" in sheet and "2016-12" in sheet and "23040.00" in sheet
    assert AccessLog.objects.filter(action__startswith="admin_transfer_").count() == 2

    client.force_login(User.objects.get(username="guangdong"))
    assert client.get(f"{base}/information-sheet.pdf").status_code == 404
