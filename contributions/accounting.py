"""Periodic ledger work (年终记账): annual interest. Reconciliation is in `reconciliation.py`.

Services like those of `services.py` (one transaction each), kept apart because they run
over the whole ledger with set-based SQL, from Celery tasks on the beat schedule.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from accounts.models import Province, User
from contributions.models import (
    AccountEntryKind,
    CreditingRate,
    FundAccount,
    JournalEntry,
    PersonalAccountEntry,
)
from contributions.selectors import crediting_rate_for, interest_so_far
from contributions.services import LedgerError, journal_post

# --- Annual interest ---------------------------------------------------------------------

# Per person and province: the balance before 1 January, and the monthly product of the
# year's movements (a movement in month n earns 13 - n months, spec §2.3 b). The year's own
# interest postings are left out, so the same figures serve the first posting and a true-up.
INTEREST_DUE_SQL = """
CREATE TEMPORARY TABLE interest_due AS
WITH movements AS (
    SELECT person_id, province_id, month AS value_date, account_part AS amount
      FROM contributions_contributionrecord
     WHERE month <= %(year_end)s
    UNION ALL
    SELECT person_id, province_id, value_date, amount
      FROM contributions_personalaccountentry
     WHERE value_date <= %(year_end)s
       AND NOT (kind IN ('interest', 'interest_adjustment') AND interest_year = %(year)s)
), balances AS (
    SELECT person_id, province_id,
           coalesce(sum(amount) FILTER (WHERE value_date < %(year_start)s), 0) AS opening,
           coalesce(sum(amount * (13 - extract(month FROM value_date)))
                    FILTER (WHERE value_date >= %(year_start)s), 0) AS product
      FROM movements
     GROUP BY person_id, province_id
), rates AS (
    SELECT unnest(%(rate_provinces)s::text[]) AS province_id,
           unnest(%(rates)s::numeric[]) AS rate
), due AS (
    -- numeric round() is half away from zero: half up for these non-negative amounts.
    SELECT person_id, province_id, rate,
           round(rate * opening + rate * product / 12, 2) AS interest
      FROM balances JOIN rates USING (province_id)
), posted AS (
    SELECT person_id, province_id, sum(amount) AS amount,
           bool_or(kind = 'interest_adjustment') AS adjusted,
           bool_or(kind = 'interest' AND is_provisional) AS provisional
      FROM contributions_personalaccountentry
     WHERE interest_year = %(year)s AND kind IN ('interest', 'interest_adjustment')
     GROUP BY person_id, province_id
)
SELECT due.person_id, due.province_id, due.rate,
       CASE WHEN posted.person_id IS NULL THEN 'interest' ELSE 'interest_adjustment' END AS kind,
       due.interest - coalesce(posted.amount, 0) AS amount
  FROM due LEFT JOIN posted USING (person_id, province_id)
 WHERE (posted.person_id IS NULL AND due.interest <> 0)
    OR (posted.provisional AND NOT posted.adjusted AND NOT %(provisional)s
        AND due.interest <> posted.amount)
"""

INTEREST_INSERT_SQL = """
INSERT INTO contributions_personalaccountentry
    (person_id, province_id, kind, amount, value_date, interest_year, rate, is_provisional,
     journal_entry_id, reason, posted_at)
SELECT due.person_id, due.province_id, due.kind, due.amount, %(year_end)s, %(year)s, due.rate,
       due.kind = 'interest' AND %(provisional)s, entries.entry_id, '', now()
  FROM interest_due AS due
  JOIN (SELECT unnest(%(provinces)s::text[]) AS province_id,
               unnest(%(entries)s::bigint[]) AS entry_id) AS entries USING (province_id)
"""


@dataclass(frozen=True)
class InterestPosting:
    year: int
    rate: Decimal | None  # the national rate; None before 2016, when each province set its own
    is_provisional: bool
    accounts: int
    amount_by_province: dict[str, Decimal]


def interest_post_year(*, year: int, posted_by: User | None = None) -> InterestPosting:
    """Credit a year's interest (记账利息) to every personal account, once.

    Monthly-product method at year end. Run again after the year's rate is published, it
    posts one true-up entry per account that was credited at a provisional rate; otherwise
    a rerun posts nothing. One journal entry per province: Dr pooling fund, Cr account
    liability.
    """
    rates = _rates_by_province(year)
    national = year >= CreditingRate.NATIONAL_FROM
    rate, provisional = crediting_rate_for(year) if national else (None, False)
    params = {
        "year": year,
        "year_start": date(year, 1, 1),
        "year_end": date(year, 12, 31),
        "rate_provinces": list(rates),
        "rates": list(rates.values()),
        "provisional": provisional,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('interest:' || %s))", [str(year)])
        cursor.execute(INTEREST_DUE_SQL, params)
        cursor.execute(
            "SELECT province_id, sum(amount), count(*) FROM interest_due GROUP BY province_id"
        )
        totals = {province: (amount, count) for province, amount, count in cursor.fetchall()}
        entries = {
            province: journal_post(
                event=JournalEntry.Event.INTEREST,
                description=f"interest {year} at {rates[province] * 100:.2f} %"
                + (" (provisional)" if provisional else ""),
                posted_by=posted_by,
                lines=[
                    (province, FundAccount.POOLING_FUND, amount),
                    (province, FundAccount.ACCOUNT_LIABILITY, -amount),
                ],
            ).pk
            for province, (amount, _) in totals.items()
            if amount != 0
        }
        cursor.execute(
            INTEREST_INSERT_SQL,
            {**params, "provinces": list(entries), "entries": list(entries.values())},
        )
        # Dropped here, not ON COMMIT: a caller's outer transaction may post another year.
        cursor.execute("DROP TABLE interest_due")
    return InterestPosting(
        year=year,
        rate=rate,
        is_provisional=provisional,
        accounts=sum(count for province, (_, count) in totals.items() if province in entries),
        amount_by_province={province: totals[province][0] for province in entries},
    )


def _rates_by_province(year: int) -> dict[str, Decimal]:
    """Every province's crediting rate of `year`: the national one from 2016."""
    if year >= CreditingRate.NATIONAL_FROM:
        rate, _ = crediting_rate_for(year)
        return dict.fromkeys(Province.objects.values_list("code", flat=True), rate)
    rates = dict(CreditingRate.objects.filter(year=year).values_list("province_id", "rate"))
    if not rates:
        raise LedgerError("no_crediting_rate", f"no provincial crediting rates of {year}")
    return rates


def interest_to_transfer(
    *, person_id: int, province: str, day: date, posted_by: User | None = None
) -> Decimal:
    """Credit the interest of the current year up to the month of a transfer (Decisions).

    Opening balance × r × m/12 plus monthly-product interest on the year's movements up to
    month m, at the latest published rate. It is the account's interest of that year in
    that province, so the year-end run leaves the account alone afterwards.
    """
    year, month = day.year, day.month
    interest = interest_so_far(person_id=person_id, province=province, day=day)
    if interest <= 0:
        return Decimal("0.00")
    rate, _ = crediting_rate_for(year, province)
    entry = journal_post(
        event=JournalEntry.Event.INTEREST,
        description=f"interest {year} to month {month} at {rate * 100:.2f} % (transfer)",
        posted_by=posted_by,
        lines=[
            (province, FundAccount.POOLING_FUND, interest),
            (province, FundAccount.ACCOUNT_LIABILITY, -interest),
        ],
    )
    PersonalAccountEntry.objects.create(
        person_id=person_id,
        province_id=province,
        kind=AccountEntryKind.INTEREST,
        amount=interest,
        value_date=day,
        interest_year=year,
        rate=rate,
        journal_entry=entry,
    )
    return interest
