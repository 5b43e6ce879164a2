"""Transfer rules: RK-16 and RK-18 in process, RK-23 (a step overdue) after the fact."""

from risk.detectors._common import fetch_rows
from risk.registry import BatchContext, Hit, RuleSpec, rule

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
    rows = fetch_rows(
        f"""
        SELECT t.person_id, t.public_id, t.to_province_id, t.from_province_id, t.status,
               t.step_deadline
          FROM transfers_transfer t
         WHERE {context.persons_sql("t.person_id")}
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
        time_sensitive=True,
    )
)
