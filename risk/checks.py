"""In-process checks (事中风控): pure tests a service runs while it handles business.

No database: the service passes the facts and each rule's settings; a check returns the
findings. Whether a finding stops the action (block) or only files a flag (warn) is the
rule's severity, applied by `risk.services.inprocess_settle`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from contributions import rules
from contributions.rules import Month
from transfers.rules import POOLING_TOLERANCE, needs_temporary_account, pooling_mismatch

# Temporary accounts exist since 国办发〔2009〕66号; earlier enrolments are not converted.
TEMPORARY_ACCOUNTS_FROM = Month(2010, 1)


@dataclass(frozen=True)
class RuleSetting:
    is_active: bool
    severity: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    period: str


def _on(settings: dict[str, RuleSetting], code: str) -> RuleSetting | None:
    setting = settings.get(code)
    return setting if setting is not None and setting.is_active else None


def contribution_checks(
    *,
    month: Month,
    birth_date: date,
    retired_on: date | None,
    died_on: date | None,
    settings: dict[str, RuleSetting],
) -> list[Finding]:
    """RK-03 (paying while receiving a pension) and RK-20 (outside a plausible working life)."""
    findings = []
    if _on(settings, "RK-03") and retired_on and month >= Month.from_date(retired_on):
        findings.append(
            Finding(
                "RK-03",
                f"RK-03: {month} is on or after the pension start {Month.from_date(retired_on)}",
                str(month.year),
            )
        )
    rk20 = _on(settings, "RK-20")
    if rk20:
        sixteen = Month.from_date(birth_date) + 12 * int(rk20.parameters.get("min_age", 16))
        if month < sixteen:
            findings.append(
                Finding("RK-20", f"RK-20: {month} is before the person turned 16", str(month.year))
            )
        if died_on and month > Month.from_date(died_on):
            findings.append(
                Finding("RK-20", f"RK-20: {month} is after the death month", str(month.year))
            )
    return findings


def enrolment_checks(
    *,
    sex: str,
    birth_date: date,
    hukou_province: str,
    province: str,
    start_month: Month,
    is_temporary_account: bool,
    organisational_transfer: bool,
    other_active_provinces: set[str],
    held_normal_relationship_here: bool,
    settings: dict[str, RuleSetting],
) -> list[Finding]:
    """RK-01 (a second active relationship) and RK-17 (a temporary account missed).

    `held_normal_relationship_here`: the person already held a normal relationship in
    this province (before 2010, or before a break in payments), so is never switched to a
    temporary account (spec §3.4).
    """
    findings = []
    if _on(settings, "RK-01") and other_active_provinces:
        findings.append(
            Finding(
                "RK-01",
                # The caller may not see the other province: the flag's reviewer can.
                "RK-01: the person already has an active relationship in another province; "
                "transfer it first (先转后清)",
                str(start_month),
            )
        )
    needs_temporary = (
        start_month >= TEMPORARY_ACCOUNTS_FROM and not held_normal_relationship_here
    ) and needs_temporary_account(
        birth_month=Month.from_date(birth_date),
        sex=rules.sex_code(sex),
        hukou_province=hukou_province,
        destination_province=province,
        move_month=start_month,
        organisational_transfer=organisational_transfer,
    )
    if _on(settings, "RK-17") and needs_temporary and not is_temporary_account:
        findings.append(
            Finding(
                "RK-17",
                "RK-17: outside the hukou province at this age the enrolment must be a "
                "temporary account (临时缴费账户) unless it is an approved organisational transfer",
                str(start_month),
            )
        )
    return findings


def retirement_checks(
    *,
    birth_date: date,
    category: str,
    requested: Month,
    contribution_months: int,
    special_route: bool,
    settings: dict[str, RuleSetting],
) -> list[Finding]:
    """RK-12 (before the permitted month) and RK-19 (minimum contribution years)."""
    findings = []
    if _on(settings, "RK-12") and not special_route:
        earliest, _ = rules.flexible_window(
            birth_month=Month.from_date(birth_date),
            category=rules.RetirementCategory(category),
        )
        if requested < earliest:
            findings.append(
                Finding(
                    "RK-12",
                    f"RK-12: retirement in {requested} is before the earliest month {earliest}",
                    str(requested),
                )
            )
    minimum = rules.minimum_contribution_months(requested.year)
    if _on(settings, "RK-19") and contribution_months < minimum:
        findings.append(
            Finding(
                "RK-19",
                f"RK-19: {contribution_months} contribution months; retiring in "
                f"{requested.year} needs {minimum} (continue paying or pay the rest)",
                str(requested),
            )
        )
    return findings


def transfer_in_checks(
    *,
    sheet_months: set[Month],
    local_months: set[Month],
    settings: dict[str, RuleSetting],
) -> list[Finding]:
    """RK-16: the information sheet's months intersect months already paid where it goes."""
    overlap = sorted(sheet_months & local_months)
    if not _on(settings, "RK-16") or not overlap:
        return []
    period = f"{overlap[0]}..{overlap[-1]}"
    return [
        Finding(
            "RK-16",
            f"RK-16: {len(overlap)} month(s) of the information sheet ({period}) are also "
            "paid in the receiving province; transfer first, then clean up (先转后清)",
            period,
        )
    ]


def funds_received_checks(
    *, received: Decimal, expected: Decimal, settings: dict[str, RuleSetting]
) -> list[Finding]:
    """RK-18: the pooling funds received differ from the information sheet's amount."""
    rk18 = _on(settings, "RK-18")
    if not rk18:
        return []
    tolerance = Decimal(str(rk18.parameters.get("tolerance", POOLING_TOLERANCE)))
    if not pooling_mismatch(received=received, expected=expected, tolerance=tolerance):
        return []
    return [
        Finding(
            "RK-18",
            f"RK-18: pooling funds received {received} differ from the {expected} due by "
            f"more than {tolerance}",
            "funds",
        )
    ]


def step_deadline_checks(
    *, step: str, done_on: date, deadline: date | None, settings: dict[str, RuleSetting]
) -> list[Finding]:
    """RK-23: a transfer step done after its last working day."""
    if not _on(settings, "RK-23") or deadline is None or done_on <= deadline:
        return []
    return [
        Finding(
            "RK-23",
            f"RK-23: the step was due by {deadline} and was done on {done_on}",
            step,
        )
    ]
