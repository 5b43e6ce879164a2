"""The ledger-wide rule: RK-RC, the sub-ledger against the journal."""

from contributions.reconciliation import CONTROL_TOTALS_SQL, SUBLEDGER_TOTALS_SQL
from risk.detectors._common import fetch_rows, money_text
from risk.registry import BatchContext, Hit, RuleSpec, rule

# --- RK-RC -------------------------------------------------------------------------------

# The changes noted so far are taken: the sums hold them.
_TOTALS_SUMMED = f"""
    taken AS (DELETE FROM risk_ledgerchange),
    subledger (province_id, account, total) AS ({SUBLEDGER_TOTALS_SQL}),
    control (province_id, account, total) AS ({CONTROL_TOTALS_SQL}),
    totals AS (
        SELECT coalesce(s.province_id, c.province_id) AS province_id,
               coalesce(s.account, c.account) AS account,
               coalesce(s.total, 0) AS subledger_total, coalesce(c.total, 0) AS control_total
          FROM subledger s
          FULL JOIN control c ON c.province_id = s.province_id AND c.account = s.account
    ),
    kept AS (
        INSERT INTO risk_ledgertotal (province_id, account, subledger_total, control_total)
        SELECT * FROM totals
        ON CONFLICT (province_id, account) DO UPDATE
           SET subledger_total = excluded.subledger_total,
               control_total = excluded.control_total
    )
"""

# The kept totals plus the changes noted since.
_TOTALS_CARRIED = """
    taken AS (DELETE FROM risk_ledgerchange RETURNING *),
    moved AS (
        SELECT province_id, account, sum(subledger) AS subledger, sum(control) AS control
          FROM taken
         GROUP BY province_id, account
    ),
    kept AS (
        INSERT INTO risk_ledgertotal AS t (province_id, account, subledger_total, control_total)
        SELECT * FROM moved
        ON CONFLICT (province_id, account) DO UPDATE
           SET subledger_total = t.subledger_total + excluded.subledger_total,
               control_total = t.control_total + excluded.control_total
        RETURNING province_id, account, subledger_total, control_total
    ),
    totals AS (
        SELECT * FROM kept
        UNION ALL
        SELECT province_id, account, subledger_total, control_total FROM risk_ledgertotal t
         WHERE NOT EXISTS (SELECT 1 FROM kept
                            WHERE kept.province_id = t.province_id AND kept.account = t.account)
    )
"""


def _ledger_mismatch(context: BatchContext) -> list[Hit]:
    """RK-RC: the sub-ledger differs from the journal's control accounts (as ledger_reconcile).

    A full run sums the ledger and keeps the totals; an incremental run adds to the kept
    totals what the triggers noted since (`risk_ledgerchange`), which is the same sum.
    """
    fetch_rows("SELECT pg_advisory_xact_lock(hashtext('risk:ledger-totals'))", {})
    kept = fetch_rows("SELECT EXISTS (SELECT 1 FROM risk_ledgertotal)", {})[0][0]
    totals = _TOTALS_CARRIED if context.incremental and kept else _TOTALS_SUMMED
    # One statement, so the totals and the changes taken are read from one snapshot:
    # postings in flight can neither fake a difference nor be counted twice.
    rows = fetch_rows(
        f"""
        WITH {totals}
        SELECT province_id, account, subledger_total, control_total
          FROM totals
         WHERE subledger_total <> control_total
           AND (%(province)s IS NULL OR province_id = %(province)s)
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
