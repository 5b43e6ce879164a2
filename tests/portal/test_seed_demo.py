import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from portal.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_logins_once():
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)


def test_a_demo_caseworker_can_sign_in_to_the_admin(client):
    call_command("seed_demo")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "shanghai", "password": DEMO_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "shanghai"
    assert response.wsgi_request.user.agency.province_id == "31"


def test_seed_demo_is_refused_in_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="refused in production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_the_admin_login_page_answers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200


def test_the_home_page_fits_a_phone_screen(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'name="viewport"' in response.content
