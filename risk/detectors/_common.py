"""What the detectors share: running SQL, months as text, a person's province."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection

from risk.registry import BatchContext


def fetch_rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def month_text(day: date) -> str:
    return f"{day:%Y-%m}"


# --- Shared SQL fragments ------------------------------------------------------------------


def months_between(start: str, end: str) -> str:
    """SQL for the whole months from the month of `start` to the month of `end`."""
    return (
        f"((extract(year FROM {end}) - extract(year FROM {start})) * 12"
        f" + extract(month FROM {end}) - extract(month FROM {start}))::int"
    )


# The province a person-level finding belongs to (alias `p` is the person): the latest
# enrolment (an active one first), else the latest contribution, else the hukou province.
# Deterministic, so a rerun files the finding under the same province.
PERSON_PROVINCE = """
    coalesce(
        (SELECT e.province_id FROM contributions_enrolment e
          WHERE e.person_id = p.id
          ORDER BY e.status = 'active' DESC, e.start_month DESC, e.province_id DESC
          LIMIT 1),
        (SELECT c.province_id FROM contributions_contributionrecord c
          WHERE c.person_id = p.id AND c.kind <> 'reversal'
          ORDER BY c.month DESC, c.province_id DESC
          LIMIT 1),
        p.hukou_province_id)
"""


def provinces_of(person_ids: Iterable[int], context: BatchContext) -> dict[int, str]:
    """The province of a finding about each of these persons (PERSON_PROVINCE), for those in
    the run's province if it has one. For rules that judge in Python: looked up for their
    few findings only."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = fetch_rows(
        f"""
        SELECT person_id, province FROM (
            SELECT p.id AS person_id, {PERSON_PROVINCE} AS province
              FROM contributions_insuredperson p
             WHERE p.id = ANY(%(ids)s)
        ) AS persons
         WHERE %(province)s IS NULL OR province = %(province)s
        """,
        {**context.sql_params, "ids": ids},
    )
    return dict(rows)


def money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


# When a back-payment was posted, as a China date.
POSTED_ON = "(live.posted_at AT TIME ZONE %(time_zone)s)::date"
