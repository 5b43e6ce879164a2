"""Start a screening run (事后稽核) on the workers; with --wait, print its JSON summary."""

import json
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.progress import TerminalProgress
from risk.models import ScreeningRun
from risk.services import ScreeningError, screening_start


class Command(BaseCommand):
    help = "Screen the ledger with the batch risk rules on the Celery workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", help="Only this province (default: all).")
        parser.add_argument("--rules", help="Comma-separated rule codes (default: all).")
        parser.add_argument(
            "--backtest", action="store_true", help="Count hits without filing flags."
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Only what changed since the last run over the whole ledger (a full run "
            "when that cannot give the same answer).",
        )
        parser.add_argument("--wait", action="store_true", help="Wait and print a summary.")
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds to wait.")

    def handle(self, *args, **options) -> None:
        codes = [code.strip() for code in (options["rules"] or "").split(",") if code.strip()]
        try:
            run = screening_start(
                province=options["province"],
                rule_codes=codes,
                backtest=options["backtest"],
                incremental=options["incremental"],
            )
        except ScreeningError as error:
            raise CommandError(str(error)) from None
        if not options["wait"]:
            self.stdout.write(f"Screening run {run.public_id} ({run.scope}) queued.")
            return
        deadline = time.monotonic() + options["timeout"]
        finished = (ScreeningRun.Status.COMPLETED, ScreeningRun.Status.FAILED)
        progress = TerminalProgress(self.stderr)
        while run.status not in finished:
            progress("slices screened", run.slices_done, run.slices_total)
            if time.monotonic() > deadline:
                raise CommandError(f"run {run.public_id} still {run.status} after the timeout")
            time.sleep(0.5)
            run.refresh_from_db()
        progress("slices screened", run.slices_done, run.slices_total)
        seconds = (run.finished_at - (run.started_at or run.created_at)).total_seconds()
        self.stdout.write(
            json.dumps(
                {
                    "run": str(run.public_id),
                    "status": run.status,
                    "scope": run.scope,
                    "hits": run.hits_by_rule,
                    "flags_filed": run.flags_filed,
                    "seconds": round(seconds, 3),
                }
            )
        )
        if run.status != ScreeningRun.Status.COMPLETED:
            raise CommandError(f"run {run.public_id} {run.status}")
