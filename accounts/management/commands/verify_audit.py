"""Walk the hash-chained trails (access log, audit events) and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chains of the access log and the audit events; exit 1 if broken."

    def handle(self, *args, **options) -> None:
        broken = audit_verify()
        if broken:
            for link in broken:
                self.stderr.write(
                    f"{link.trail}: first broken link at seq {link.seq}: {link.problem}"
                )
            raise CommandError("The audit trail has been changed outside the portal.")
        self.stdout.write("Every link of the access log and the audit events holds.")
