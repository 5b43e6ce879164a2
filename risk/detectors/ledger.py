"""The ledger-wide rule: RK-RC, the sub-ledger against the journal."""

from contributions.reconciliation import CONTROL_TOTALS_SQL, SUBLEDGER_TOTALS_SQL
from risk.detectors._common import fetch_rows, money_text
from risk.registry import BatchContext, Hit, RuleSpec, rule

# --- RK-RC -------------------------------------------------------------------------------


def _ledger_mismatch(context: BatchContext) -> list[Hit]:
    """RK-RC: the sub-ledger differs from the journal's control accounts (as ledger_reconcile)."""
    # One statement, so both sides are read from one snapshot: postings in flight cannot
    # fake a difference.
    rows = fetch_rows(
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
                "subledger_total": money_text(subledger),
                "control_total": money_text(control),
                "difference": money_text(subledger - control),
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
        per_person=False,
    )
)
