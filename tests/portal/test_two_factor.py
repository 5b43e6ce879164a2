"""Two-factor sign-in (TOTP) for the admin, as production runs it (OTP_REQUIRED)."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django_otp.admin import OTPAdminSite
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_factor_admin():
    """The admin site as urls.py makes it when OTP_REQUIRED is on."""
    plain = admin.site.__class__
    admin.site.__class__ = OTPAdminSite
    yield
    admin.site.__class__ = plain


def _sign_in(token: str = ""):
    client = Client()
    device = TOTPDevice.objects.first()
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": "shanghai",
            "password": DEMO_PASSWORD,
            "otp_device": device.persistent_id if device else "",
            "otp_token": token,
            "next": "/admin/",
        },
    )
    return client, response


def _token(device: TOTPDevice) -> str:
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(code).zfill(device.digits)


def test_a_password_alone_does_not_open_the_admin(caseworkers, two_factor_admin, capsys):
    call_command("add_totp_device", "shanghai")
    assert "otpauth://totp/" in capsys.readouterr().out
    _, response = _sign_in()
    assert response.status_code == 200  # the form again, asking for the code
    _, wrong = _sign_in("000000" if _token(TOTPDevice.objects.get()) != "000000" else "111111")
    assert wrong.status_code == 200


def test_password_and_code_open_the_admin(caseworkers, two_factor_admin):
    call_command("add_totp_device", "shanghai")
    client, response = _sign_in(_token(TOTPDevice.objects.get()))
    assert response.status_code == 302, response.context["form"].errors
    assert client.get("/admin/").status_code == 200
    user = User.objects.get(username="shanghai")
    assert AuditEvent.objects.filter(action="totp_device_add", subject=f"user:{user.pk}").exists()


def test_a_signed_in_but_unverified_session_is_not_let_in(caseworkers, two_factor_admin):
    client = Client()
    client.force_login(User.objects.get(username="shanghai"))
    assert client.get("/admin/").status_code == 302  # to the login page
