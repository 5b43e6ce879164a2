"""Sign-in lockout, security headers, and API docs served from the project's own files."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from accounts.models import User
from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "shanghai", "password": password, "next": "/admin/"},
    )


def test_twenty_wrong_passwords_lock_the_account_until_the_lockout_ends(caseworkers):
    client = Client()
    statuses = [_sign_in(client, "wrong-password").status_code for _ in range(20)]
    assert statuses == [200] * 19 + [429]  # the form again, then the lockout
    locked = _sign_in(client, DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another address too: the lockout is the account's.
    assert _sign_in(Client(REMOTE_ADDR="10.9.8.7"), DEMO_PASSWORD).status_code == 429

    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "shanghai" in listing.content.decode()

    # Thirty minutes later the lockout has ended.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=31))
    assert _sign_in(Client(), DEMO_PASSWORD).status_code == 302


def test_nineteen_wrong_passwords_do_not_lock(caseworkers):
    client = Client()
    for _ in range(19):
        _sign_in(client, "wrong-password")
    assert _sign_in(client, DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/redoc/", "/"])
def test_pages_carry_a_csp_without_inline_script_and_a_permissions_policy(path):
    response = Client().get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)[1]
    assert script_src == "'self'"
    assert "camera=()" in response["Permissions-Policy"]
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", response.content), "inline script"


def test_the_api_docs_load_swagger_ui_from_the_projects_static_files():
    page = Client().get("/api/docs/").content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', page)
    assert sources and all(not src.startswith(("http:", "https:", "//")) for src in sources)
    assert all(not href.startswith(("http:", "https:", "//")) for href in styles)
    assert any("swagger-ui-dist" in src for src in sources)
