import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import call_command

from accounts.models import ApiClient, ApiKey, AuditEvent, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_signed_in(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(username="admin"))
    return client


def test_creating_a_client_in_the_admin_shows_its_key_once(admin_client_signed_in):
    response = admin_client_signed_in.post(
        "/admin/accounts/apiclient/add/",
        {
            "name": "沪社保",
            "province": "31",
            "is_active": "on",
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request) if "New key" in str(m)]
    key = message.split("New key for ")[1].split(": ")[1].split(" ")[0]
    assert key.startswith("pp_")
    assert ApiKey.objects.get().prefix == key[:10]


def test_revoking_in_the_admin_stops_the_key(admin_client_signed_in):
    client_record = ApiClient.objects.create(name="x", province_id="44")
    admin_client_signed_in.post(
        "/admin/accounts/apiclient/",
        {"action": "issue_key", ACTION_CHECKBOX_NAME: [client_record.pk]},
    )
    admin_client_signed_in.post(
        "/admin/accounts/apiclient/",
        {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [client_record.pk]},
    )
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_provincial_administrator_registers_systems_of_the_own_province_only(client):
    call_command("seed_demo")
    client.force_login(User.objects.get(username="shanghai-admin"))
    form = {"name": "粤社保", "is_active": "on", "keys-TOTAL_FORMS": "0", "keys-INITIAL_FORMS": "0"}
    refused = client.post("/admin/accounts/apiclient/add/", {**form, "province": "44"})
    assert refused.status_code == 200  # the form again: 44 is not a choice
    assert "province" in refused.context["adminform"].form.errors
    assert not ApiClient.objects.exists()
    client.post("/admin/accounts/apiclient/add/", {**form, "province": "31"})
    assert ApiClient.objects.get().province_id == "31"
    event = AuditEvent.objects.get(action="api_key_issue")
    assert event.actor == f"user:{User.objects.get(username='shanghai-admin').pk}"
