"""Load the demo data once: caseworker logins at every level of the agency hierarchy.

Running it again changes nothing. It refuses to run in production, where fixed demo
passwords would be a hole.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Agency, User
from accounts.roles import roles_sync
from portal.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Create the demo logins (idempotent). Not available in production."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo creates fixed passwords and is refused in production.")
        with transaction.atomic():
            roles_sync()
            created = [
                username
                for username, name, division, superuser, roles in DEMO_USERS
                if self._user(username, name, division, superuser, roles)
            ]
        if created:
            self.stdout.write(f"Created demo logins: {', '.join(created)}")
        else:
            self.stdout.write("Demo logins already present.")

    def _user(
        self, username: str, name: str, division: str, superuser: bool, roles: list[str]
    ) -> bool:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": name,
                "agency": Agency.objects.get(division_code=division),
                "is_staff": True,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.set(Group.objects.filter(name__in=roles))
        return created
