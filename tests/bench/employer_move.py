"""Benchmark: moving an employer with 5,000 active enrolments (成建制划转), beside posting
5,000 contribution rows, in one run.

    make bench-move   (python -m portal.devstack exec -- python -m tests.bench.employer_move)

In a database of its own: an employer in Shanghai with --staff persons, each enrolled with
it since 2024-01 and paid for 12 months. Measured in one process, each through its service:
1. posting one batch of --staff rows (one month each) with `contribution_batch_post`: the
   baseline;
2. moving the employer to another Shanghai agency (the enrolments change agency);
3. moving it on to Henan (each enrolment suspended, one opened in Henan, a transfer applied).
4. taking --transfers of the transfers that move applied through every step (accept, send,
   funds received, complete), beside posting the rows they move at the rate of step 1.
Prints each time in seconds and its ratio to the baseline.
"""

import argparse
import json
import os
import sys

import psycopg

from tests.bench.common import database_url, manage

DATABASE = "portal_bench_move"

CODE = """
import json, time
from datetime import date
from decimal import Decimal
from django.utils import timezone
from accounts.models import Agency
from contributions.batches import ContributionRow, contribution_batch_post
from contributions.models import ContributionRecord, Employer, Enrolment, InsuredPerson
from contributions.rules import Month, round_fen
from synthetic.nation import id_check_digit
from transfers import services

STAFF = {staff}
shanghai = Agency.objects.get(division_code="310000")
employer = Employer.objects.create(
    uscc="91310000MA1FL8XQ30", name="上海成建制示例有限公司", province_id="31", agency=shanghai
)
persons = []
for i in range(STAFF):
    birth = date.fromordinal(date(1980, 1, 1).toordinal() + i // 500)
    body = f"310101{{birth:%Y%m%d}}{{i % 500 + 100:03d}}"
    persons.append(InsuredPerson(
        id_number=body + id_check_digit(body), name=f"职工{{i}}", birth_date=birth,
        sex="M" if int(body[16]) % 2 else "F", hukou_province_id="31",
        retirement_category="M60" if int(body[16]) % 2 else "F50",
    ))
InsuredPerson.objects.bulk_create(persons, batch_size=2000)
Enrolment.objects.bulk_create(
    [Enrolment(person=p, province_id="31", scheme="employee", employer=employer, agency=shanghai,
               start_month=date(2024, 1, 1)) for p in persons], batch_size=2000,
)
ContributionRecord.objects.bulk_create(
    [ContributionRecord(person=p, province_id="31", employer=employer, scheme="employee",
                        month=(Month(2024, 1) + m).first_day(), base=Decimal("9000"),
                        pooling_part=Decimal("1440.00"), account_part=Decimal("720.00"),
                        kind="regular") for p in persons for m in range(12)], batch_size=5000,
)
figures = {{"staff": STAFF}}
rows = [ContributionRow(p.id_number, "2025-06", "employee", Decimal("9000"),
                        employer_uscc=employer.uscc) for p in persons]
started = time.perf_counter()
contribution_batch_post(province="31", rows=rows, source="bench")
figures["post_rows_seconds"] = round(time.perf_counter() - started, 2)
started = time.perf_counter()
plan, _ = services.employer_move(
    employer=employer, to_agency=Agency.objects.get(division_code="310115"),
    month=Month.from_date(timezone.localdate()), on=timezone.localdate(),
)
figures["move_within_province_seconds"] = round(time.perf_counter() - started, 2)
figures["moved_within_province"] = len(plan.enrolments)
employer.refresh_from_db()
started = time.perf_counter()
plan, transfers = services.employer_move(
    employer=employer, to_agency=Agency.objects.get(division_code="410000"),
    month=Month.from_date(timezone.localdate()) + 1, on=timezone.localdate(),
)
figures["move_across_provinces_seconds"] = round(time.perf_counter() - started, 2)
figures["transfers_applied"] = len(transfers)

# Transfers end to end: accepted, sent, funds received and completed, each through its service.
sample = transfers[:{transfers}]
moved_rows = ContributionRecord.objects.filter(
    person_id__in=[t.person_id for t in sample], province_id="31"
).count()
today = timezone.localdate()
started = time.perf_counter()
for transfer in sample:
    transfer = services.transfer_accept(transfer=transfer, on=today)
    transfer = services.transfer_send(transfer=transfer, on=today)
    transfer = services.transfer_funds_receive(
        transfer=transfer, on=today, pooling_received=transfer.pooling_amount
    )
    services.transfer_complete(transfer=transfer, on=today)
figures["transfers_completed"] = len(sample)
figures["transfer_rows_moved"] = moved_rows
figures["transfers_end_to_end_seconds"] = round(time.perf_counter() - started, 2)
print("FIGURES", json.dumps(figures))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument(
        "--transfers", type=int, default=500, help="Transfers taken through every step."
    )
    args = parser.parse_args()
    with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    env = dict(os.environ, DATABASE_URL=database_url(DATABASE), PORTAL_ENVIRONMENT="development")
    manage(env, "migrate", "--noinput")
    out = manage(env, "shell", "-c", CODE.format(staff=args.staff, transfers=args.transfers))
    figures = json.loads(out.split("FIGURES", 1)[1])
    baseline = figures["post_rows_seconds"]
    for name in ("move_within_province_seconds", "move_across_provinces_seconds"):
        figures[name.replace("_seconds", "_vs_posting")] = round(figures[name] / baseline, 2)
    # Posting the rows the transfers moved, at the rate of the posting measured above.
    posting = figures["transfer_rows_moved"] / figures["staff"] * baseline
    figures["posting_moved_rows_seconds"] = round(posting, 2)
    figures["transfers_vs_posting"] = round(figures["transfers_end_to_end_seconds"] / posting, 1)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
