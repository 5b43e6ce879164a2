"""Move employers with all their staff to another agency (成建制划转), one employer at a
time, each atomic and audited; print a JSON summary."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Agency
from contributions.models import Employer
from contributions.rules import Month
from contributions.services import LedgerError
from portal.progress import TerminalProgress
from transfers.services import employer_move, employer_move_plan


class Command(BaseCommand):
    help = (
        "Move employers (by unified social credit code, or every employer of --from-agency) "
        "with their active enrolments to --to-agency from --month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("uscc", nargs="*", help="Employers' unified social credit codes.")
        parser.add_argument("--from-agency", help="Every employer of this agency (division code).")
        parser.add_argument("--to-agency", required=True, help="Division code of the new agency.")
        parser.add_argument("--month", required=True, help="First month there (YYYY-MM).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show who would move; change nothing."
        )

    def handle(self, *args, **options) -> None:
        try:
            month = Month.parse(options["month"])
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        to_agency = Agency.objects.filter(division_code=options["to_agency"]).first()
        if to_agency is None:
            raise CommandError(f"no agency {options['to_agency']}")
        employers = self._employers(options["uscc"], options["from_agency"])
        progress = TerminalProgress(self.stderr)
        moved, refused = [], {}
        for done, employer in enumerate(employers):
            progress("employers moved", done, len(employers))
            try:
                if options["dry_run"]:
                    plan = employer_move_plan(employer=employer, to_agency=to_agency, month=month)
                    transfers = None
                else:
                    plan, filed = employer_move(
                        employer=employer, to_agency=to_agency, month=month,
                        on=timezone.localdate(),
                    )  # fmt: skip
                    transfers = len(filed)
            except LedgerError as error:
                refused[employer.uscc] = error.code
                continue
            moved.append(
                {
                    "uscc": employer.uscc,
                    "enrolments": len(plan.enrolments),
                    "across_provinces": plan.across_provinces,
                    "transfers": transfers,
                }
            )
        progress("employers moved", len(employers), len(employers))
        summary = {"dry_run": options["dry_run"], "moved": moved, "refused": refused}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _employers(self, codes: list[str], from_agency: str | None) -> list[Employer]:
        if bool(codes) == bool(from_agency):
            raise CommandError("name the employers or --from-agency, not both")
        if from_agency:
            return list(Employer.objects.filter(agency__division_code=from_agency).order_by("pk"))
        found = {e.uscc: e for e in Employer.objects.filter(uscc__in=codes)}
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise CommandError(f"no employer {', '.join(unknown)}")
        return [found[code] for code in codes]
