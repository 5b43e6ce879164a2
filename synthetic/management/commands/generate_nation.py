"""manage.py generate_nation: the arguments; the writing is `synthetic.writer`."""

import argparse
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contributions.rules import Month
from portal.progress import TerminalProgress
from synthetic.writer import GenerationRefused, nation_generate


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


class Command(BaseCommand):
    help = "Fill an empty ledger with a deterministic synthetic nation. Not in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="How many persons.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--as-of",
            type=_month,
            help="Last month of the ledger, YYYY-MM (default: the current month in China).",
        )
        parser.add_argument(
            "--anomalies",
            type=Path,
            help="Also plant known cases for every batch risk rule and write their ground "
            "truth to this JSON-lines file.",
        )
        parser.add_argument(
            "--add",
            action="store_true",
            help="Add the persons to a ledger generated before (use another --seed); the "
            "added accounts are credited no interest.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the ledger already has persons.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        as_of = options["as_of"]
        if isinstance(as_of, str):  # call_command(as_of="2025-06") skips the parser's type
            try:
                as_of = Month.parse(as_of)
            except ValueError as error:
                raise CommandError(str(error)) from error
        try:
            done = nation_generate(
                persons=options["persons"],
                seed=options["seed"],
                as_of=as_of,
                if_empty=options["if_empty"],
                anomalies=options["anomalies"],
                progress=TerminalProgress(self.stderr),
                add=options["add"],
            )
        except GenerationRefused as refused:
            raise CommandError(str(refused)) from None
        if done.counts is None:
            self.stdout.write(f"The ledger already has {done.existing} insured persons; kept.")
            return
        if done.planted is not None:
            self.stdout.write(f"Planted {done.planted} anomalies; truth in {options['anomalies']}.")
        counts = done.counts
        self.stdout.write(
            f"Generated {counts['persons']} persons, {counts['employers']} employers, "
            f"{counts['enrolments']} enrolments, {counts['deemed_service']} deemed-service rows, "
            f"{counts['contributions']} contribution rows and {counts['interest_years']} years "
            f"of interest in {time.monotonic() - started:.1f} s."
        )
