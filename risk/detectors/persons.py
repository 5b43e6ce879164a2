"""Detectors over persons and their relationships: RK-01, RK-12, RK-15, RK-17, RK-19."""

from contributions.models import live_sql
from contributions.rules import (
    Month,
    check_id_number,
    flexible_window,
    minimum_contribution_months,
    statutory_retirement,
)
from risk.checks import TEMPORARY_ACCOUNTS_FROM
from risk.detectors._common import fetch_rows, month_text, months_between, provinces_of
from risk.registry import BatchContext, Hit, RuleSpec, rule
from transfers.rules import needs_temporary_account

# --- RK-01 -------------------------------------------------------------------------------


def _duplicate_active_enrolments(context: BatchContext) -> list[Hit]:
    """RK-01: two active relationships of one person, in two provinces or two schemes."""
    rows = fetch_rows(
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
             WHERE {context.persons_sql("a.person_id")}
               AND {context.persons_sql("b.person_id")}  -- the same, for the planner
               AND a.status = 'active'
               AND (a.province_id <> b.province_id OR a.scheme <> b.scheme)
        ), spans AS (
            SELECT *, {months_between("overlap_start", "%(as_of)s")} + 1 AS months
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
            period=month_text(overlap_start),
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
        time_sensitive=True,
    )
)


# --- RK-12 -------------------------------------------------------------------------------


def _retirement_before_permitted(context: BatchContext) -> list[Hit]:
    """RK-12: retired before the earliest month of the flexible window (spec §6.4)."""
    rows = fetch_rows(
        f"""
        SELECT id, birth_date, retirement_category, retired_on
          FROM contributions_insuredperson
         WHERE {context.persons_sql("id")}
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
    provinces = provinces_of(early, context)
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
    numbers = fetch_rows(
        f"""
        SELECT id, id_number FROM contributions_insuredperson
         WHERE {context.persons_sql("id")}
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
    for person_id, province in provinces_of(invalid, context).items():
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
    rows = fetch_rows(
        f"""
        SELECT e.person_id, e.start_month, max(e.province_id),
               array_agg(e.province_id ORDER BY e.province_id),
               p.sex, p.birth_date, p.hukou_province_id
          FROM contributions_enrolment e
          JOIN contributions_insuredperson p ON p.id = e.person_id
         WHERE {context.persons_sql("e.person_id")}
           AND {context.persons_sql("p.id")}  -- the same, for the planner
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
                              AND {context.persons_sql("earlier.person_id")}
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
    rows = fetch_rows(
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
         WHERE {context.persons_sql("p.id")}
           AND p.retired_on IS NOT NULL
        """,
        context.sql_params,
    )
    short = {}
    for person_id, retired_on, months, deemed_months in rows:
        needed = minimum_contribution_months(retired_on.year)
        if months + deemed_months < needed:
            short[person_id] = (
                month_text(retired_on),
                {"months": months, "deemed_months": deemed_months, "required": needed},
            )
    provinces = provinces_of(short, context)
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
