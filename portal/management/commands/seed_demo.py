"""Load the demo data once: caseworker logins at every level of the agency hierarchy, and
insured persons with careers across provinces.

Running it again changes nothing. It refuses to run in production, where fixed demo
passwords would be a hole. The persons' months need each province's policy of those years:
`make run` generates the synthetic nation (which writes them) first.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from accounts.roles import roles_sync
from contributions import services
from contributions.accounting import interest_post_year
from contributions.batches import ContributionRow, contribution_batch_post
from contributions.models import (
    ContributionKind,
    Employer,
    Enrolment,
    InsuredPerson,
    ProvincePolicy,
)
from contributions.rules import Month
from portal.demo import DEMO_EMPLOYERS, DEMO_PASSWORD, DEMO_PERSONS, DEMO_USERS
from transfers.services import transfer_apply


class Command(BaseCommand):
    help = "Create the demo logins and persons (idempotent). Not available in production."

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
        self._persons()

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

    def _persons(self) -> None:
        if InsuredPerson.objects.filter(id_number=DEMO_PERSONS[0]["id_number"]).exists():
            self.stdout.write("Demo persons already present.")
            return
        needed = {
            (province, year)
            for person in DEMO_PERSONS
            for province, _, first, last, _ in person["stints"]
            for year in range(Month.parse(first).year, Month.parse(last).year + 1)
        }
        have = set(ProvincePolicy.objects.values_list("province_id", "year"))
        if not needed <= have:
            self.stdout.write(
                "Demo persons skipped: run generate_nation first (it writes policies)."
            )
            return
        with transaction.atomic():
            for uscc, (province, name) in DEMO_EMPLOYERS.items():
                services.employer_register(uscc=uscc, name=name, province=province)
            for spec in DEMO_PERSONS:
                self._person(spec)
            # The past years' interest, as the year-end runs would have credited it; a year
            # already run for the nation posts for the new accounts only.
            first = min(Month.parse(p["stints"][0][2]).year for p in DEMO_PERSONS)
            for year in range(first, timezone.localdate().year):
                interest_post_year(year=year)
        self.stdout.write(
            f"Created demo persons: {', '.join(p['id_number'] for p in DEMO_PERSONS)}"
        )

    def _person(self, spec: dict) -> None:
        person, _ = services.person_upsert(
            id_number=spec["id_number"],
            name=spec["name"],
            hukou_province=spec["hukou_province"],
            mobile=spec["mobile"],
        )
        gap = spec.get("gap")
        stints = spec["stints"]
        for number, (province, uscc, first, last, paid_back) in enumerate(stints):
            employer = Employer.objects.get(uscc=uscc) if uscc else None
            enrolment, _ = services.enrolment_open(
                person=person,
                province=province,
                scheme="employee" if employer else "flexible",
                start_month=Month.parse(first),
                employer=employer,
            )
            months = [
                month
                for month in _months(Month.parse(first), Month.parse(last))
                if str(month) not in paid_back
                and not (gap and Month.parse(gap[0]) <= month <= Month.parse(gap[1]))
            ]
            for year in sorted({m.year for m in months}):
                rows = [_row(person, enrolment, m) for m in months if m.year == year]
                contribution_batch_post(province=province, rows=rows, source="demo")
            if paid_back:
                rows = [
                    _row(person, enrolment, Month.parse(m), ContributionKind.BACK_PAYMENT)
                    for m in paid_back
                ]
                contribution_batch_post(province=province, rows=rows, source="demo")
            if number < len(stints) - 1:
                services.enrolment_end(
                    enrolment=enrolment,
                    status=Enrolment.Status.CLOSED,
                    end_month=Month.parse(last),
                )
        if "transfer" in spec:
            from_province, to_province, applied_on = spec["transfer"]
            transfer_apply(
                person=person,
                from_province=from_province,
                to_province=to_province,
                applied_on=datetime.date.fromisoformat(applied_on),
            )
        user = User(username=person.id_number, is_staff=False, insured_person=person)
        user.set_password(DEMO_PASSWORD)
        user.save()


def _months(first: Month, last: Month) -> list[Month]:
    return [first + n for n in range(first.months_until(last) + 1)]


def _row(
    person: InsuredPerson, enrolment: Enrolment, month: Month, kind: str = ContributionKind.REGULAR
) -> ContributionRow:
    if enrolment.employer is None:
        # A flexible worker chooses a base inside the band: the floor of the year.
        base = ProvincePolicy.objects.get(
            province_id=enrolment.province_id, year=month.year
        ).contribution_floor
    else:
        base = Decimal(6000 + 250 * (month.year - 2012))
    return ContributionRow(
        id_number=person.id_number,
        month=str(month),
        scheme=enrolment.scheme,
        amount_base=base,
        employer_uscc=enrolment.employer.uscc if enrolment.employer else "",
        kind=kind,
    )
