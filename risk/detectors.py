"""After-the-fact detectors (事后稽核): set-based SQL over one slice of persons.

Each function takes a BatchContext and returns Hits; `rule(...)` declares it with its code.
A person rule's queries are limited to `person_id BETWEEN %(first)s AND %(last)s`, a
ledger-wide rule's are not; when the run is limited to a province, findings are limited to
that province (`%(province)s IS NULL OR province_id = …`). Live contribution records are
those that are not reversals and not reversed.

Reading every record is the cost to avoid. Most rules judge few records and find them by
probing an index: the months past a person's limits, the bases outside a province-month's
band, the back-payments. A probe is a LATERAL subquery ending in OFFSET 0: without it the
planner may flatten the subquery into a join that reads the whole slice. RK-02, RK-11 and
RK-19 read more, and as little as their rule allows.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection

from contributions.models import live_sql
from contributions.reconciliation import CONTROL_TOTALS_SQL, SUBLEDGER_TOTALS_SQL
from contributions.rules import (
    Month,
    check_id_number,
    flexible_window,
    minimum_contribution_months,
    statutory_retirement,
)
from risk.checks import TEMPORARY_ACCOUNTS_FROM
from risk.registry import BatchContext, Hit, RuleSpec, rule
from transfers.rules import LUMP_SUM_EVIDENCE_MONTHS, needs_temporary_account


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _overlapping_months(context: BatchContext) -> list[Hit]:
    """RK-02: the same person paid for the same month twice (two provinces or employers)."""
    rows = _rows(
        f"""
        WITH candidates AS (
            -- Persons with more records than months, from the (person, month) index alone.
            -- A reversal and the record it cancels make one too, so each is checked below.
            SELECT person_id FROM contributions_contributionrecord
             WHERE person_id BETWEEN %(first)s AND %(last)s
             GROUP BY person_id
            HAVING count(*) > count(DISTINCT month)
        ), doubled AS (
            SELECT c.person_id, live.month, max(live.province_id) AS province,
                   array_agg(live.province_id ORDER BY live.province_id) AS provinces
              FROM candidates c
             CROSS JOIN LATERAL (
                   SELECT r.month, r.province_id FROM contributions_contributionrecord r
                    WHERE r.person_id = c.person_id AND {live_sql("r")}
                   OFFSET 0
             ) AS live
             GROUP BY c.person_id, live.month
            HAVING count(*) > 1
        )
        SELECT person_id, extract(year FROM month)::int AS year, max(province),
               array_agg(to_char(month, 'YYYY-MM') ORDER BY month),
               array_agg(array_to_string(provinces, ',') ORDER BY month)
          FROM doubled
         GROUP BY person_id, year
        -- The province limits which findings are returned, never what a finding holds:
        -- a rerun for all provinces gives the same months, count and province.
        HAVING count(*) >= %(min_overlap_months)s
           AND (%(province)s IS NULL OR bool_or(%(province)s = ANY(provinces)))
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=str(year),
            evidence={"months": months, "provinces": provinces},
        )
        for person_id, year, province, months, provinces in rows
    ]


rule(
    RuleSpec(
        code="RK-02",
        title_zh="重复缴费",
        title_en="Overlapping contribution months",
        description="The same person has contributions for the same month from two or more "
        "provinces or employers (spec §3.7).",
        stage="both",
        severity="warn",
        defaults={"min_overlap_months": 1},
        batch=_overlapping_months,
    )
)


# --- Shared SQL fragments ------------------------------------------------------------------


def _months_between(start: str, end: str) -> str:
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


def _provinces_of(person_ids: Iterable[int], context: BatchContext) -> dict[int, str]:
    """The province of a finding about each of these persons (PERSON_PROVINCE), for those in
    the run's province if it has one. For rules that judge in Python: looked up for their
    few findings only."""
    ids = list(person_ids)
    if not ids:
        return {}
    rows = _rows(
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


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


# --- RK-01 -------------------------------------------------------------------------------


def _duplicate_active_enrolments(context: BatchContext) -> list[Hit]:
    """RK-01: two active relationships of one person, in two provinces or two schemes."""
    rows = _rows(
        f"""
        WITH pairs AS (
            -- An active enrolment is open-ended, so a pair overlaps from the later start
            -- month up to the as-of month.
            SELECT a.person_id, greatest(a.start_month, b.start_month) AS overlap_start,
                   a.province_id AS province_a, a.scheme AS scheme_a,
                   b.province_id AS province_b, b.scheme AS scheme_b
              FROM contributions_enrolment a
              JOIN contributions_enrolment b
                ON b.person_id = a.person_id AND b.id > a.id AND b.status = 'active'
             WHERE a.person_id BETWEEN %(first)s AND %(last)s
               AND b.person_id BETWEEN %(first)s AND %(last)s  -- the same, for the planner
               AND a.status = 'active'
               AND (a.province_id <> b.province_id OR a.scheme <> b.scheme)
        ), spans AS (
            SELECT *, {_months_between("overlap_start", "%(as_of)s")} + 1 AS months
              FROM pairs
        )
        SELECT person_id, min(overlap_start), greatest(max(province_a), max(province_b)),
               max(months),
               json_agg(json_build_object(
                   'provinces', array[province_a, province_b],
                   'schemes', array[scheme_a, scheme_b],
                   'from', to_char(overlap_start, 'YYYY-MM'))
                   ORDER BY overlap_start, province_a, province_b, scheme_a, scheme_b)
          FROM spans
         WHERE months >= %(min_overlap_months)s
         GROUP BY person_id
        HAVING %(province)s IS NULL OR bool_or(%(province)s IN (province_a, province_b))
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            # The earliest overlap stays put while the duplicate lasts: one flag per case.
            period=_month(overlap_start),
            evidence={"overlap_months": months, "overlaps": overlaps},
        )
        for person_id, overlap_start, province, months, overlaps in rows
    ]


rule(
    RuleSpec(
        code="RK-01",
        title_zh="重复参保",
        title_en="Duplicate active enrolment",
        description="A person has active insurance relationships in two provinces or two "
        "schemes at the same time for at least min_overlap_months months (spec §3.7).",
        stage="both",
        severity="block",
        defaults={"min_overlap_months": 1},
        batch=_duplicate_active_enrolments,
    )
)


# --- RK-03 -------------------------------------------------------------------------------


def _contributing_while_receiving(context: BatchContext) -> list[Hit]:
    """RK-03: a live contribution for a month from the person's benefit start onwards."""
    rows = _rows(
        f"""
        SELECT p.id, extract(year FROM live.month)::int AS year,
               max(live.province_id), min(p.retired_on),
               array_agg(to_char(live.month, 'YYYY-MM') ORDER BY live.month, live.province_id),
               array_agg(live.province_id ORDER BY live.month, live.province_id)
          FROM contributions_insuredperson p
         CROSS JOIN LATERAL (
               SELECT r.month, r.province_id FROM contributions_contributionrecord r
                WHERE r.person_id = p.id
                  AND r.month >= date_trunc('month', p.retired_on)::date
                  AND {live_sql("r")}
               OFFSET 0
         ) AS live
         WHERE p.id BETWEEN %(first)s AND %(last)s
           AND p.retired_on IS NOT NULL
         GROUP BY p.id, year
        HAVING %(province)s IS NULL OR bool_or(live.province_id = %(province)s)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=str(year),
            evidence={
                "benefit_start": _month(retired_on),
                "months": months,
                "provinces": provinces,
            },
        )
        for person_id, year, province, retired_on, months, provinces in rows
    ]


rule(
    RuleSpec(
        code="RK-03",
        title_zh="领取待遇期间缴费",
        title_en="Contributing while receiving a pension",
        description="A contribution is recorded for a month on or after the month the person "
        "started receiving a pension (retired_on), in any province.",
        stage="both",
        severity="block",
        batch=_contributing_while_receiving,
    )
)


# --- RK-05 -------------------------------------------------------------------------------


def _payment_after_death(context: BatchContext) -> list[Hit]:
    """RK-05: pension paid for a month after the death month (plus grace_months)."""
    rows = _rows(
        """
        SELECT b.person_id, p.died_on, max(b.province_id),
               array_agg(to_char(b.month, 'YYYY-MM') ORDER BY b.month, b.province_id),
               array_agg(b.province_id ORDER BY b.month, b.province_id),
               sum(b.amount)
          FROM risk_benefitpayment b
          JOIN contributions_insuredperson p ON p.id = b.person_id
         WHERE b.person_id BETWEEN %(first)s AND %(last)s
           AND p.died_on IS NOT NULL
           -- The death month itself is due; payment stops from the next month.
           AND b.month >= date_trunc('month', p.died_on)::date
                          + make_interval(months => %(grace_months)s + 1)
         GROUP BY b.person_id, p.died_on
        HAVING %(province)s IS NULL OR bool_or(b.province_id = %(province)s)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=_month(died_on),  # a person dies once: one flag, however long it ran
            evidence={
                "died_on": died_on.isoformat(),
                "months": months,
                "provinces": provinces,
                "overpayment": _money(total),
            },
        )
        for person_id, died_on, province, months, provinces, total in rows
    ]


rule(
    RuleSpec(
        code="RK-05",
        title_zh="死亡冒领",
        title_en="Payment after death",
        description="A pension was paid for a month after the death month (more than "
        "grace_months later); the evidence sums the overpayment to recover.",
        stage="batch",
        severity="block",
        defaults={"grace_months": 0},
        batch=_payment_after_death,
    )
)


# --- RK-06 -------------------------------------------------------------------------------


def _certification_overdue(context: BatchContext) -> list[Hit]:
    """RK-06: a living pensioner without a valid entitlement certification on the as-of date."""
    rows = _rows(
        f"""
        SELECT person_id, province, retired_on, valid_until FROM (
            SELECT p.id AS person_id, p.retired_on,
                   (SELECT max(c.valid_until) FROM risk_certification c
                     WHERE c.person_id = p.id) AS valid_until,
                   -- The paying province suspends the payment, so it gets the flag.
                   coalesce((SELECT b.province_id FROM risk_benefitpayment b
                              WHERE b.person_id = p.id
                              ORDER BY b.month DESC, b.province_id DESC
                              LIMIT 1),
                            {PERSON_PROVINCE}) AS province
              FROM contributions_insuredperson p
             WHERE p.id BETWEEN %(first)s AND %(last)s
               AND p.status = 'retired'
        ) AS pensioners
         WHERE (valid_until < %(as_of)s
                OR (valid_until IS NULL
                    AND retired_on + make_interval(months => %(cert_cycle_months)s)
                        < %(as_of)s))
           AND (%(province)s IS NULL OR province = %(province)s)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=str(context.as_of.year),
            evidence={
                "retired_on": retired_on.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
        for person_id, province, retired_on, valid_until in rows
    ]


rule(
    RuleSpec(
        code="RK-06",
        title_zh="领取资格认证逾期",
        title_en="Entitlement certification overdue",
        description="A living pensioner's latest certification expired before the as-of date, "
        "or there is none and the pension started more than cert_cycle_months ago.",
        stage="batch",
        severity="block",
        defaults={"cert_cycle_months": 12},
        batch=_certification_overdue,
    )
)


# --- RK-08 -------------------------------------------------------------------------------


def _base_outside_band(context: BatchContext) -> list[Hit]:
    """RK-08: a live record whose base lies outside its province-year floor and ceiling
    (ledger-wide: every person)."""
    rows = _rows(
        f"""
        SELECT live.person_id, pol.year, max(live.province_id),
               array_agg(to_char(live.month, 'YYYY-MM') ORDER BY live.month, live.province_id),
               array_agg(live.province_id ORDER BY live.month, live.province_id),
               array_agg(live.base::text ORDER BY live.month, live.province_id),
               array_agg(pol.contribution_floor::text || '-' || pol.contribution_ceiling::text
                         ORDER BY live.month, live.province_id)
          -- A month without a policy row has no band to judge it by.
          FROM contributions_provincepolicy pol
         CROSS JOIN LATERAL generate_series(make_date(pol.year, 1, 1),
                                            make_date(pol.year, 12, 1),
                                            interval '1 month') AS m(first_day)
         -- Two probes of the (province, month, base) index per province and month.
         CROSS JOIN LATERAL (
               SELECT r.* FROM contributions_contributionrecord r
                WHERE r.province_id = pol.province_id AND r.month = m.first_day::date
                  AND r.base < pol.contribution_floor
               UNION ALL
               SELECT r.* FROM contributions_contributionrecord r
                WHERE r.province_id = pol.province_id AND r.month = m.first_day::date
                  AND r.base > pol.contribution_ceiling
               OFFSET 0
         ) AS live
         WHERE {live_sql("live")}
         GROUP BY live.person_id, pol.year
        HAVING %(province)s IS NULL OR bool_or(live.province_id = %(province)s)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=str(year),
            evidence={"months": months, "provinces": provinces, "bases": bases, "bands": bands},
        )
        for person_id, year, province, months, provinces, bases, bands in rows
    ]


rule(
    RuleSpec(
        code="RK-08",
        title_zh="缴费基数超出上下限",
        title_en="Contribution base outside the band",
        description="A contribution base is below the province-year floor or above its "
        "ceiling (spec §1.2).",
        stage="both",
        severity="block",
        batch=_base_outside_band,
        # The band is a province-month's: probing each once serves the whole ledger.
        ledger_wide=True,
    )
)


# --- RK-09 -------------------------------------------------------------------------------


def _lump_back_payment_without_evidence(context: BatchContext) -> list[Hit]:
    """RK-09: one batch back-pays lump_months or more for a person, with no evidence row."""
    rows = _rows(
        f"""
        SELECT live.person_id, bat.public_id, bat.province_id, count(DISTINCT live.month),
               to_char(min(live.month), 'YYYY-MM'), to_char(max(live.month), 'YYYY-MM')
          FROM contributions_contributionrecord live
          JOIN contributions_contributionbatch bat ON bat.id = live.batch_id
         WHERE live.kind = 'back_payment'  -- a partial index holds these
           AND live.person_id BETWEEN %(first)s AND %(last)s
           AND {live_sql("live")}
           AND (%(province)s IS NULL OR bat.province_id = %(province)s)
           AND NOT EXISTS (SELECT 1 FROM risk_backpaymentevidence ev
                            WHERE ev.person_id = live.person_id
                              AND ev.batch_id = live.batch_id)
         GROUP BY live.person_id, bat.public_id, bat.province_id
        HAVING count(DISTINCT live.month) >= %(lump_months)s
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=f"batch:{batch}",
            evidence={"months": months, "from": first, "to": last},
        )
        for person_id, batch, province, months, first, last in rows
    ]


rule(
    RuleSpec(
        code="RK-09",
        title_zh="大额一次性补缴缺少证明",
        title_en="Large lump back-payment without evidence",
        description="One batch back-pays lump_months months or more for a person and no "
        "undertaking or legal document is recorded for that person and batch (spec §3.6).",
        stage="both",
        severity="block",
        defaults={"lump_months": LUMP_SUM_EVIDENCE_MONTHS},
        batch=_lump_back_payment_without_evidence,
    )
)


# --- RK-10 -------------------------------------------------------------------------------

# The posting's date in China: the session runs in UTC.
POSTED_ON = "(live.posted_at AT TIME ZONE %(time_zone)s)::date"


def _back_payment_before_retirement(context: BatchContext) -> list[Hit]:
    """RK-10: back-payments of N months or more paid within M months before retirement."""
    rows = _rows(
        f"""
        SELECT live.person_id, p.retired_on, max(live.province_id),
               count(DISTINCT live.month),
               to_char(min(live.month), 'YYYY-MM'), to_char(max(live.month), 'YYYY-MM'),
               array_agg(DISTINCT coalesce(live.paid_on, {POSTED_ON})::text)
          FROM contributions_contributionrecord live
          JOIN contributions_insuredperson p ON p.id = live.person_id
         WHERE live.kind = 'back_payment'  -- a partial index holds these
           AND live.person_id BETWEEN %(first)s AND %(last)s
           AND {live_sql("live")}
           AND p.retired_on IS NOT NULL
           -- A record without a payment date counts from the day it was posted.
           AND coalesce(live.paid_on, {POSTED_ON})
               BETWEEN p.retired_on - make_interval(months => %(M)s) AND p.retired_on
         GROUP BY live.person_id, p.retired_on
        HAVING count(DISTINCT live.month) >= %(N)s
           AND (%(province)s IS NULL OR bool_or(live.province_id = %(province)s))
        """,
        {**context.sql_params, "time_zone": settings.TIME_ZONE},
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=_month(retired_on),  # one retirement, one finding
            evidence={
                "retired_on": retired_on.isoformat(),
                "months": months,
                "from": first,
                "to": last,
                "paid_on": paid_on,
            },
        )
        for person_id, retired_on, province, months, first, last, paid_on in rows
    ]


rule(
    RuleSpec(
        code="RK-10",
        title_zh="临近退休集中补缴",
        title_en="Back-payment shortly before retirement",
        description="Back-payments covering at least N months were paid within M months "
        "before the person's retirement date.",
        stage="batch",
        severity="warn",
        defaults={"N": 12, "M": 24},
        batch=_back_payment_before_retirement,
    )
)


# --- RK-11 -------------------------------------------------------------------------------


def _monthly_index(persons: str, *, months_before: str, until_months_before: str) -> str:
    """SQL: one contribution index (base / province-year average wage) per month of each
    person of `persons` (id, retired_month), from `months_before` up to, not including,
    `until_months_before` months before the retirement month. A month paid twice (RK-02's
    finding) counts once, at its highest index; a month without a policy row does not."""
    return f"""
        SELECT p.id AS person_id, p.retired_month, live.month,
               max(live.province_id) AS province_id, max(live.base / pol.average_wage) AS idx
          FROM {persons} AS p
         CROSS JOIN LATERAL (
               SELECT r.month, r.province_id, r.base FROM contributions_contributionrecord r
                WHERE r.person_id = p.id
                  AND r.month >= p.retired_month - make_interval(months => {months_before})
                  AND r.month < p.retired_month
                                - make_interval(months => {until_months_before})
                  AND {live_sql("r")}
               OFFSET 0
         ) AS live
          JOIN contributions_provincepolicy pol
            ON pol.province_id = live.province_id
           AND pol.year = extract(year FROM live.month)::int
         GROUP BY p.id, p.retired_month, live.month
    """


def _pre_retirement_base_spike(context: BatchContext) -> list[Hit]:
    """RK-11: the mean contribution index jumps in the last `window` months before retirement."""
    last_window = _monthly_index("retirees", months_before="%(window)s", until_months_before="0")
    baseline = _monthly_index(
        "last_window",
        months_before="%(window)s + %(baseline)s",
        until_months_before="%(window)s",
    )
    rows = _rows(
        f"""
        WITH retirees AS (
            SELECT id, date_trunc('month', retired_on)::date AS retired_month
              FROM contributions_insuredperson
             WHERE id BETWEEN %(first)s AND %(last)s
               AND retired_on IS NOT NULL
        ), last_window AS (
            -- Few retirees reach `abs` in their last months: the baseline is read for those.
            SELECT person_id AS id, retired_month, avg(idx) AS mean, count(*) AS months,
                   max(province_id) AS province,
                   bool_or(province_id = %(province)s) AS in_province
              FROM ({last_window}) AS indexed
             GROUP BY person_id, retired_month
            HAVING avg(idx) >= %(abs)s::numeric
        ), baseline AS (
            SELECT person_id AS id, avg(idx) AS mean, count(*) AS months,
                   bool_or(province_id = %(province)s) AS in_province
              FROM ({baseline}) AS indexed
             GROUP BY person_id
        )
        SELECT id, l.retired_month, l.province,
               round(l.mean, 4)::text, round(b.mean, 4)::text,
               round(l.mean / b.mean, 4)::text, l.months, b.months
          FROM last_window l
          JOIN baseline b USING (id)
         WHERE b.mean > 0
           AND l.mean / b.mean >= %(ratio)s::numeric
           AND (%(province)s IS NULL OR l.in_province OR b.in_province)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=_month(retired_month),  # one retirement, one finding
            evidence={
                "last_mean": last_mean,
                "baseline_mean": baseline_mean,
                "ratio": ratio,
                "last_months": last_months,
                "baseline_months": baseline_months,
            },
        )
        for (
            person_id,
            retired_month,
            province,
            last_mean,
            baseline_mean,
            ratio,
            last_months,
            baseline_months,
        ) in rows
    ]


rule(
    RuleSpec(
        code="RK-11",
        title_zh="退休前缴费基数突增",
        title_en="Pre-retirement base spike",
        description="The mean contribution index (base / province-year average wage) of the "
        "last `window` months before retirement is at least `ratio` times that of the "
        "`baseline` months before them, and at least `abs`.",
        stage="batch",
        severity="warn",
        defaults={"window": 36, "baseline": 60, "ratio": 1.5, "abs": 2.0},
        batch=_pre_retirement_base_spike,
    )
)


# --- RK-12 -------------------------------------------------------------------------------


def _retirement_before_permitted(context: BatchContext) -> list[Hit]:
    """RK-12: retired before the earliest month of the flexible window (spec §6.4)."""
    rows = _rows(
        """
        SELECT id, birth_date, retirement_category, retired_on
          FROM contributions_insuredperson
         WHERE id BETWEEN %(first)s AND %(last)s
           AND retired_on IS NOT NULL
           AND retirement_route <> 'special'
        """,
        context.sql_params,
    )
    early = {}
    for person_id, birth_date, category, retired_on in rows:
        birth_month = Month.from_date(birth_date)
        earliest, _ = flexible_window(birth_month=birth_month, category=category)
        retired = Month.from_date(retired_on)
        if retired >= earliest:
            continue
        statutory = statutory_retirement(birth_month=birth_month, category=category).month
        early[person_id] = {
            "category": category,
            "birth_month": str(birth_month),
            "retired": str(retired),
            "earliest": str(earliest),
            "statutory": str(statutory),
        }
    provinces = _provinces_of(early, context)
    return [
        Hit.of_person(person_id, province=province, period=evidence["retired"], evidence=evidence)
        for person_id, evidence in early.items()
        if (province := provinces.get(person_id))
    ]


rule(
    RuleSpec(
        code="RK-12",
        title_zh="违规提前退休",
        title_en="Retirement before the permitted month",
        description="The retirement month is before the earliest month of the flexible "
        "window for the birth month and category (spec §6.4); special-type and disability "
        "routes are not recorded yet, so such approvals show up here for review.",
        stage="both",
        severity="block",
        batch=_retirement_before_permitted,
    )
)


# --- RK-15 -------------------------------------------------------------------------------


def _invalid_id_number(context: BatchContext) -> list[Hit]:
    """RK-15: a stored ID number that fails validation (legacy or imported rows)."""
    numbers = _rows(
        """
        SELECT id, id_number FROM contributions_insuredperson
         WHERE id BETWEEN %(first)s AND %(last)s
        """,
        context.sql_params,
    )
    # Judged as of the run's date, so a rerun for the same date gives the same answer.
    invalid = {}
    for person_id, id_number in numbers:
        check = check_id_number(id_number, today=context.as_of, with_warnings=False)
        if not check.valid:
            invalid[person_id] = (id_number, check.error_codes)
    hits = []
    for person_id, province in _provinces_of(invalid, context).items():
        id_number, errors = invalid[person_id]
        masked = f"{id_number[:6]}********{id_number[-4:]}"
        hits.append(
            Hit.of_person(
                person_id,
                province=province,
                # Not a time but the number judged: a corrected number that is still
                # invalid is a new finding. Masked, as everywhere the number is shown.
                period=f"id:{masked}",
                evidence={"errors": errors},
            )
        )
    return hits


rule(
    RuleSpec(
        code="RK-15",
        title_zh="身份证号码无效",
        title_en="Invalid ID number",
        description="The person's ID number fails the checks of spec §8.3 (format, province, "
        "date or check digit); entry refuses such numbers, so these are legacy or imported.",
        stage="both",
        severity="block",
        batch=_invalid_id_number,
    )
)


# --- RK-17 -------------------------------------------------------------------------------


def _temporary_account_misclassified(context: BatchContext) -> list[Hit]:
    """RK-17: an enrolment that should have been a temporary account but is not."""
    rows = _rows(
        """
        SELECT e.person_id, e.start_month, max(e.province_id),
               array_agg(e.province_id ORDER BY e.province_id),
               p.sex, p.birth_date, p.hukou_province_id
          FROM contributions_enrolment e
          JOIN contributions_insuredperson p ON p.id = e.person_id
         WHERE e.person_id BETWEEN %(first)s AND %(last)s
           AND p.id BETWEEN %(first)s AND %(last)s  -- the same, for the planner
           AND (%(province)s IS NULL OR e.province_id = %(province)s)
           AND e.province_id <> p.hukou_province_id
           AND NOT e.is_temporary_account
           AND NOT e.is_organisational_transfer
           AND e.start_month >= %(since)s
           -- A person who already held a normal relationship in that province (before
           -- 2010, or before a break in payments) is never switched to a temporary
           -- account (spec §3.4).
           AND NOT EXISTS (SELECT 1 FROM contributions_enrolment earlier
                            WHERE earlier.person_id = e.person_id
                              AND earlier.person_id BETWEEN %(first)s AND %(last)s
                              AND earlier.province_id = e.province_id
                              AND earlier.start_month < e.start_month
                              AND NOT earlier.is_temporary_account)
         GROUP BY e.person_id, e.start_month, p.sex, p.birth_date, p.hukou_province_id
        """,
        {**context.sql_params, "since": TEMPORARY_ACCOUNTS_FROM.first_day()},
    )
    hits = []
    for person_id, start_month, province, provinces, sex, birth_date, hukou in rows:
        birth_month, move_month = Month.from_date(birth_date), Month.from_date(start_month)
        # Organisational transfers (组织调动) are exempt but not recorded on the enrolment.
        if not needs_temporary_account(
            birth_month=birth_month,
            sex=sex,
            hukou_province=hukou,
            destination_province=province,
            move_month=move_month,
            organisational_transfer=False,
        ):
            continue
        hits.append(
            Hit.of_person(
                person_id,
                province=province,
                period=str(move_month),
                evidence={
                    "provinces": provinces,
                    "hukou_province": hukou,
                    "age": birth_month.months_until(move_month) // 12,
                },
            )
        )
    return hits


rule(
    RuleSpec(
        code="RK-17",
        title_zh="临时缴费账户认定错误",
        title_en="Temporary-account misclassification",
        description="An enrolment from 2010 in a non-hukou province, opened when a man was 50 "
        "or older or a woman 40 or older, is not a temporary account and not an approved "
        "organisational transfer (spec §3.4).",
        stage="both",
        severity="block",
        batch=_temporary_account_misclassified,
    )
)


# --- RK-19 -------------------------------------------------------------------------------


def _minimum_years_not_met(context: BatchContext) -> list[Hit]:
    """RK-19: a pensioner with fewer contribution months (deemed months included) than the
    retirement year requires."""
    rows = _rows(
        f"""
        SELECT p.id, p.retired_on,
               -- Months from the benefit start are RK-03's finding, not service.
               CASE WHEN p.id IN (SELECT x.person_id FROM contributions_contributionrecord x
                                   WHERE x.reversal_of_id IS NOT NULL)
                    THEN (SELECT count(DISTINCT r.month) FROM contributions_contributionrecord r
                           WHERE r.person_id = p.id
                             AND r.month < date_trunc('month', p.retired_on)::date
                             AND {live_sql("r")})
                    -- No reversal: every record counts, and the (person, month) index
                    -- alone answers.
                    ELSE (SELECT count(*) FROM (
                            SELECT DISTINCT r.month FROM contributions_contributionrecord r
                             WHERE r.person_id = p.id
                               AND r.month < date_trunc('month', p.retired_on)::date
                          ) AS months)
               END,
               (SELECT coalesce(sum(d.months), 0)::int FROM contributions_deemedservice d
                 WHERE d.person_id = p.id
                   AND d.until_month < date_trunc('month', p.retired_on)::date)
          FROM contributions_insuredperson p
         WHERE p.id BETWEEN %(first)s AND %(last)s
           AND p.retired_on IS NOT NULL
        """,
        context.sql_params,
    )
    short = {}
    for person_id, retired_on, months, deemed_months in rows:
        needed = minimum_contribution_months(retired_on.year)
        if months + deemed_months < needed:
            short[person_id] = (
                _month(retired_on),
                {"months": months, "deemed_months": deemed_months, "required": needed},
            )
    provinces = _provinces_of(short, context)
    return [
        Hit.of_person(person_id, province=province, period=period, evidence=evidence)
        for person_id, (period, evidence) in short.items()
        if (province := provinces.get(person_id))
    ]


rule(
    RuleSpec(
        code="RK-19",
        title_zh="缴费年限不足",
        title_en="Minimum contribution years not met",
        description="A pensioner's contribution months before retirement (distinct months "
        "paid in any province, plus deemed months) are fewer than the minimum for the "
        "retirement year (spec §6.3).",
        stage="both",
        severity="block",
        batch=_minimum_years_not_met,
    )
)


# --- RK-20 -------------------------------------------------------------------------------


def _contribution_outside_life_span(context: BatchContext) -> list[Hit]:
    """RK-20: a live contribution before the min_age birthday month or after the death month."""
    rows = _rows(
        f"""
        SELECT person_id, extract(year FROM month)::int AS year, max(province_id),
               array_agg(to_char(month, 'YYYY-MM') ORDER BY month, province_id),
               array_agg(province_id ORDER BY month, province_id),
               array_agg(reason ORDER BY month, province_id)
          FROM (
            -- Two probes of the (person, month) index per person: before the min_age
            -- birthday month, and after the death month.
            SELECT p.id AS person_id, live.month, live.province_id, live.reason
              FROM contributions_insuredperson p
             CROSS JOIN LATERAL (
                   SELECT r.month, r.province_id, 'before_min_age' AS reason
                     FROM contributions_contributionrecord r
                    WHERE r.person_id = p.id
                      AND r.month < (date_trunc('month', p.birth_date)
                                     + make_interval(years => %(min_age)s))::date
                      AND (p.died_on IS NULL
                           OR r.month <= date_trunc('month', p.died_on)::date)
                      AND {live_sql("r")}
                   UNION ALL
                   SELECT r.month, r.province_id, 'after_death'
                     FROM contributions_contributionrecord r
                    WHERE r.person_id = p.id
                      AND r.month > date_trunc('month', p.died_on)::date
                      AND {live_sql("r")}
                   OFFSET 0
             ) AS live
             WHERE p.id BETWEEN %(first)s AND %(last)s
          ) AS implausible
         GROUP BY person_id, year
        HAVING %(province)s IS NULL OR bool_or(province_id = %(province)s)
        """,
        context.sql_params,
    )
    return [
        Hit.of_person(
            person_id,
            province=province,
            period=str(year),
            evidence={"months": months, "provinces": provinces, "reasons": reasons},
        )
        for person_id, year, province, months, provinces, reasons in rows
    ]


rule(
    RuleSpec(
        code="RK-20",
        title_zh="缴费时间超出合理年龄",
        title_en="Contribution before working age or after death",
        description="A contribution is recorded for a month before the person's min_age "
        "birthday month or after the death month.",
        stage="both",
        severity="block",
        defaults={"min_age": 16},
        batch=_contribution_outside_life_span,
    )
)


# --- Transfers: RK-16, RK-18, RK-23 --------------------------------------------------------

rule(
    RuleSpec(
        code="RK-16",
        title_zh="转移期间重复",
        title_en="Transfer with overlapping periods",
        description="Months of the information sheet are also paid in the receiving province "
        "for the same person; the transfer goes ahead and the overlap is cleaned up after it "
        "(先转后清, spec §3.7). Checked when the sheet is sent.",
        stage="in_process",
        severity="warn",
    )
)

rule(
    RuleSpec(
        code="RK-18",
        title_zh="转移资金不符",
        title_en="Transfer amount mismatch",
        description="The pooling funds received differ from the information sheet's amount "
        "(12 % of the bases since 1998, spec §3.3) by more than the tolerance. Checked when "
        "the funds are recorded.",
        stage="in_process",
        severity="warn",
        defaults={"tolerance": "1.00"},
    )
)


def _transfer_step_overdue(context: BatchContext) -> list[Hit]:
    """RK-23: a transfer whose pending step has passed its last working day."""
    rows = _rows(
        """
        SELECT t.person_id, t.public_id, t.to_province_id, t.from_province_id, t.status,
               t.step_deadline
          FROM transfers_transfer t
         WHERE t.person_id BETWEEN %(first)s AND %(last)s
           AND t.status IN ('applied', 'accepted', 'sent', 'funds_received')
           AND t.step_deadline < %(as_of)s
           AND (%(province)s IS NULL OR %(province)s IN (t.to_province_id, t.from_province_id))
        """,
        context.sql_params,
    )
    return [
        Hit(
            # The receiving office runs the procedure; its caseworkers see the flag.
            province=to_province,
            subject=f"transfer:{public_id}",
            person_id=person_id,
            period=f"step:{status}",
            evidence={"from": from_province, "to": to_province, "due": deadline.isoformat()},
        )
        for person_id, public_id, to_province, from_province, status, deadline in rows
    ]


rule(
    RuleSpec(
        code="RK-23",
        title_zh="转移超时限",
        title_en="Transfer step past its deadline",
        description="A transfer step takes more than 15 working days (10 for the notice of "
        "non-transferable periods), counted on the published holiday calendar (spec §3.5). "
        "Checked when a step is done late and, after the fact, for steps still pending.",
        stage="both",
        severity="warn",
        batch=_transfer_step_overdue,
    )
)


# --- RK-RC -------------------------------------------------------------------------------


def _ledger_mismatch(context: BatchContext) -> list[Hit]:
    """RK-RC: the sub-ledger differs from the journal's control accounts (as ledger_reconcile)."""
    # One statement, so both sides are read from one snapshot: postings in flight cannot
    # fake a difference.
    rows = _rows(
        f"""
        WITH subledger (province_id, account, total) AS ({SUBLEDGER_TOTALS_SQL}),
             control (province_id, account, total) AS ({CONTROL_TOTALS_SQL})
        SELECT coalesce(s.province_id, c.province_id) AS province_id,
               coalesce(s.account, c.account) AS account,
               coalesce(s.total, 0) AS subledger_total, coalesce(c.total, 0) AS control_total
          FROM subledger s
          FULL JOIN control c ON c.province_id = s.province_id AND c.account = s.account
         WHERE coalesce(s.total, 0) <> coalesce(c.total, 0)
           AND (%(province)s IS NULL OR coalesce(s.province_id, c.province_id) = %(province)s)
         ORDER BY province_id, account
        """,
        context.sql_params,
    )
    # One flag per province and day: both accounts of a province share subject and period.
    accounts: dict[str, list[dict[str, str]]] = {}
    for province, account, subledger, control in rows:
        accounts.setdefault(province, []).append(
            {
                "account": account,
                "subledger_total": _money(subledger),
                "control_total": _money(control),
                "difference": _money(subledger - control),
            }
        )
    return [
        Hit(
            province=province,
            subject=f"province:{province}",
            period=context.as_of.isoformat(),
            evidence={"accounts": differences},
        )
        for province, differences in accounts.items()
    ]


rule(
    RuleSpec(
        code="RK-RC",
        title_zh="账账不符",
        title_en="Ledger reconciliation mismatch",
        description="In a province, the personal accounts or the suspense items do not add up "
        "to the journal's control account (the comparison of ledger_reconcile).",
        stage="batch",
        severity="warn",
        batch=_ledger_mismatch,
        ledger_wide=True,
    )
)
