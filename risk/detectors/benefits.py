"""Detectors over pensions paid: RK-05 (after death) and RK-06 (certification overdue)."""

from risk.detectors._common import PERSON_PROVINCE, fetch_rows, money_text, month_text
from risk.registry import BatchContext, Hit, RuleSpec, rule

# --- RK-05 -------------------------------------------------------------------------------


def _payment_after_death(context: BatchContext) -> list[Hit]:
    """RK-05: pension paid for a month after the death month (plus grace_months)."""
    rows = fetch_rows(
        f"""
        SELECT b.person_id, p.died_on, max(b.province_id),
               array_agg(to_char(b.month, 'YYYY-MM') ORDER BY b.month, b.province_id),
               array_agg(b.province_id ORDER BY b.month, b.province_id),
               sum(b.amount)
          FROM risk_benefitpayment b
          JOIN contributions_insuredperson p ON p.id = b.person_id
         WHERE {context.persons_sql("b.person_id")}
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
            period=month_text(died_on),  # a person dies once: one flag, however long it ran
            evidence={
                "died_on": died_on.isoformat(),
                "months": months,
                "provinces": provinces,
                "overpayment": money_text(total),
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
    rows = fetch_rows(
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
             WHERE {context.persons_sql("p.id")}
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
        time_sensitive=True,
    )
)
