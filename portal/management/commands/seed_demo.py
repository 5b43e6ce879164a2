"""Load the demo data once: caseworker logins for a few agencies.

Running it again changes nothing. It refuses to run in production, where fixed demo
passwords would be a hole.
"""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from accounts.models import Agency, User
from portal.demo import DEMO_PASSWORD, DEMO_USERS

CASEWORKER_GROUP = "caseworkers"
CASEWORKER_APPS = ("accounts", "contributions", "transfers", "risk")
CASEWORKER_ACTIONS = ("reverse_contributionrecord", "reinstate_suspenseitem")


class Command(BaseCommand):
    help = "Create the demo logins (idempotent). Not available in production."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo creates fixed passwords and is refused in production.")
        with transaction.atomic():
            group = self._caseworker_group()
            created = [
                username
                for username, name, division, superuser in DEMO_USERS
                if self._user(username, name, division, superuser, group)
            ]
        if created:
            self.stdout.write(f"Created demo logins: {', '.join(created)}")
        else:
            self.stdout.write("Demo logins already present.")

    def _caseworker_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name=CASEWORKER_GROUP)
        group.permissions.set(
            Permission.objects.filter(
                Q(codename__startswith="view_") | Q(codename__in=CASEWORKER_ACTIONS),
                content_type__app_label__in=CASEWORKER_APPS,
            )
        )
        return group

    def _user(self, username: str, name: str, division: str, superuser: bool, group: Group) -> bool:
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
            user.groups.add(group)
        return created
