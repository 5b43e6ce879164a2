"""Detectors over contribution records: RK-02, RK-03, RK-08, RK-09, RK-10, RK-11, RK-20."""

from django.conf import settings

from contributions.models import live_sql
from risk.detectors._common import POSTED_ON, fetch_rows, month_text
from risk.registry import BatchContext, Hit, RuleSpec, rule
from transfers.rules import LUMP_SUM_EVIDENCE_MONTHS


def _overlapping_months(context: BatchContext) -> list[Hit]:
    """RK-02: the same person paid for the same month twice (two provinces or employers)."""
    rows = fetch_rows(
        f"""
        WITH candidates AS (
            -- Persons with more records than months, from the (person, month) index alone.
            -- A reversal and the record it cancels make one too, so each is checked below.
            SELECT person_id FROM contributions_contributionrecord
             WHERE {context.persons_sql("person_id")}
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


# --- RK-03 -------------------------------------------------------------------------------


def _contributing_while_receiving(context: BatchContext) -> list[Hit]:
    """RK-03: a live contribution for a month from the person's benefit start onwards."""
    rows = fetch_rows(
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
         WHERE {context.persons_sql("p.id")}
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
                "benefit_start": month_text(retired_on),
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


# --- RK-08 -------------------------------------------------------------------------------


def _base_outside_band(context: BatchContext) -> list[Hit]:
    """RK-08: a live record whose base lies outside its province-year floor and ceiling
    (ledger-wide: every person; in an incremental run, the listed persons)."""
    if context.person_ids is None:
        # Two probes of the (province, month, base) index per province and month. A month
        # without a policy row has no band to judge it by.
        outside = """
            SELECT r.*, pol.year, pol.contribution_floor, pol.contribution_ceiling
              FROM contributions_provincepolicy pol
             CROSS JOIN LATERAL generate_series(make_date(pol.year, 1, 1),
                                                make_date(pol.year, 12, 1),
                                                interval '1 month') AS m(first_day)
             CROSS JOIN LATERAL (
                   SELECT r.* FROM contributions_contributionrecord r
                    WHERE r.province_id = pol.province_id AND r.month = m.first_day::date
                      AND r.base < pol.contribution_floor
                   UNION ALL
                   SELECT r.* FROM contributions_contributionrecord r
                    WHERE r.province_id = pol.province_id AND r.month = m.first_day::date
                      AND r.base > pol.contribution_ceiling
                   OFFSET 0
             ) AS r
        """
    else:
        # The listed persons' records, on the (person, month) index.
        outside = f"""
            SELECT r.*, pol.year, pol.contribution_floor, pol.contribution_ceiling
              FROM contributions_contributionrecord r
              JOIN contributions_provincepolicy pol
                ON pol.province_id = r.province_id
               AND pol.year = extract(year FROM r.month)::int
             WHERE {context.persons_sql("r.person_id")}
               AND (r.base < pol.contribution_floor OR r.base > pol.contribution_ceiling)
        """
    rows = fetch_rows(
        f"""
        SELECT live.person_id, live.year, max(live.province_id),
               array_agg(to_char(live.month, 'YYYY-MM') ORDER BY live.month, live.province_id),
               array_agg(live.province_id ORDER BY live.month, live.province_id),
               array_agg(live.base::text ORDER BY live.month, live.province_id),
               array_agg(live.contribution_floor::text || '-' || live.contribution_ceiling::text
                         ORDER BY live.month, live.province_id)
          FROM ({outside}) AS live
         WHERE {live_sql("live")}
         GROUP BY live.person_id, live.year
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
    rows = fetch_rows(
        f"""
        SELECT live.person_id, bat.public_id, bat.province_id, count(DISTINCT live.month),
               to_char(min(live.month), 'YYYY-MM'), to_char(max(live.month), 'YYYY-MM')
          FROM contributions_contributionrecord live
          JOIN contributions_contributionbatch bat ON bat.id = live.batch_id
         WHERE live.kind = 'back_payment'  -- a partial index holds these
           AND {context.persons_sql("live.person_id")}
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


def _back_payment_before_retirement(context: BatchContext) -> list[Hit]:
    """RK-10: back-payments of N months or more paid within M months before retirement."""
    rows = fetch_rows(
        f"""
        SELECT live.person_id, p.retired_on, max(live.province_id),
               count(DISTINCT live.month),
               to_char(min(live.month), 'YYYY-MM'), to_char(max(live.month), 'YYYY-MM'),
               array_agg(DISTINCT coalesce(live.paid_on, {POSTED_ON})::text)
          FROM contributions_contributionrecord live
          JOIN contributions_insuredperson p ON p.id = live.person_id
         WHERE live.kind = 'back_payment'  -- a partial index holds these
           AND {context.persons_sql("live.person_id")}
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
            period=month_text(retired_on),  # one retirement, one finding
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
    rows = fetch_rows(
        f"""
        WITH retirees AS (
            SELECT id, date_trunc('month', retired_on)::date AS retired_month
              FROM contributions_insuredperson
             WHERE {context.persons_sql("id")}
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
            period=month_text(retired_month),  # one retirement, one finding
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


# --- RK-20 -------------------------------------------------------------------------------


def _contribution_outside_life_span(context: BatchContext) -> list[Hit]:
    """RK-20: a live contribution before the min_age birthday month or after the death month."""
    rows = fetch_rows(
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
             WHERE {context.persons_sql("p.id")}
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
