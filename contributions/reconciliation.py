"""Reconciliation (对账): the sub-ledger against the journal's control accounts.

Its SQL is shared with risk screening (RK-RC), which reads the same totals; this module
imports no service, so the detectors can use it without importing the ledger's writes.
"""

from decimal import Decimal

from django.db import connection, transaction

from contributions.models import ReconciliationResult, ReconciliationRun

SUBLEDGER_TOTALS_SQL = """
SELECT province_id, 'account_liability', sum(amount) FROM (
    -- Each table summed on its own: the ten-million-row one is not copied through a union.
    SELECT province_id, sum(account_part) AS amount FROM contributions_contributionrecord
     GROUP BY province_id
    UNION ALL
    SELECT province_id, sum(amount) FROM contributions_personalaccountentry
     GROUP BY province_id
) AS accounts GROUP BY province_id
UNION ALL
SELECT item.province_id, 'suspense', sum(item.pooling_part + item.account_part)
  FROM contributions_suspenseitem AS item
  LEFT JOIN contributions_suspensereinstatement AS done ON done.item_id = item.id
 WHERE done.id IS NULL
 GROUP BY item.province_id
"""

# The sub-ledger sums read the (province) index, which carries the account part, instead of
# the much wider rows; page costs as on solid-state storage let the planner see that this is
# cheaper.
INDEX_SCAN_COSTS_SQL = "SET LOCAL random_page_cost = 1.1"

CONTROL_TOTALS_SQL = """
SELECT province_id, account, -sum(amount)
  FROM contributions_journalline
 WHERE account IN ('account_liability', 'suspense')
 GROUP BY province_id, account
"""


def ledger_reconcile() -> ReconciliationRun:
    """Prove, per province, that the sub-ledger equals the journal's control accounts (对账).

    Personal accounts against the account liability; unreinstated suspense items against
    the suspense account. Every pair is recorded; a difference counts as a discrepancy.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            # One snapshot for both sides, so postings in flight cannot fake a difference.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute(INDEX_SCAN_COSTS_SQL)
        cursor.execute(SUBLEDGER_TOTALS_SQL)
        subledger = {(p, a): total for p, a, total in cursor.fetchall()}
        cursor.execute(CONTROL_TOTALS_SQL)
        control = {(p, a): total for p, a, total in cursor.fetchall()}
        zero = Decimal("0.00")
        results = [
            ReconciliationResult(
                province_id=province,
                account=account,
                subledger_total=subledger.get((province, account), zero),
                control_total=control.get((province, account), zero),
                difference=subledger.get((province, account), zero)
                - control.get((province, account), zero),
            )
            for province, account in sorted(subledger.keys() | control.keys())
        ]
        run = ReconciliationRun.objects.create(
            discrepancies=sum(1 for result in results if result.difference != 0)
        )
        for result in results:
            result.run = run
        ReconciliationResult.objects.bulk_create(results)
    return run
