"""Give a staff user an authenticator entry (TOTP) for the two-factor admin sign-in."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import audit_record


class Command(BaseCommand):
    help = "Create a TOTP device for a staff user and print its otpauth:// URL (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = User.objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user {username!r}.")
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        audit_record(actor=None, action="totp_device_add", subject=f"user:{user.pk}")
        self.stdout.write("Add this to the caseworker's authenticator app (shown once):")
        self.stdout.write(device.config_url)
