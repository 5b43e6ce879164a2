"""Posting contribution batches (缴费入账): the one path for contributions from any channel.

A batch is validated as a whole (ID numbers, months, schemes and kinds, the province-year
policy, registered employers, the band, duplicates within the batch and in the ledger) and
screened by the in-process risk rules, then written with COPY and one journal entry, in one
transaction under the province's contribution lock.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from contributions import rules
from contributions.models import (
    ContributionBatch,
    ContributionKind,
    Employer,
    FundAccount,
    InsuredPerson,
    JournalEntry,
    ProvincePolicy,
    Scheme,
    live_sql,
)
from contributions.services import (
    BatchRejected,
    RowError,
    journal_post,
    lock_province_contributions,
    record_changed,
)
from risk import checks as risk_checks
from risk import services as risk_services
from risk.checks import Finding, RuleSetting

# Plain sets: Django's Choices.values builds a new list on every call, per row.
SCHEMES = frozenset(Scheme.values)
POSTABLE_KINDS = frozenset({ContributionKind.REGULAR.value, ContributionKind.BACK_PAYMENT.value})


@dataclass(frozen=True)
class ContributionRow:
    """One month of contributions as a province declares it."""

    id_number: str
    month: str  # "YYYY-MM"
    scheme: str
    amount_base: Decimal  # the declared wage (employees) or the chosen base (flexible)
    employer_uscc: str = ""
    kind: str = ContributionKind.REGULAR
    name: str = ""
    paid_on: date | None = None
    is_temporary_account: bool = False
    index: int | None = None  # position in the sender's batch, when it differs from ours


@dataclass
class BatchResult:
    batch: ContributionBatch | None
    posted: int = 0
    held_in_suspense: int = 0
    rejected: list[RowError] = field(default_factory=list)
    journal_entry: JournalEntry | None = None


@dataclass(frozen=True)
class _ValidRow:
    index: int
    row: ContributionRow
    id_number: str
    month: rules.Month
    employer_id: int | None
    split: rules.ContributionSplit


def _band_of(policy: ProvincePolicy) -> rules.ContributionBand:
    return rules.ContributionBand(policy.contribution_floor, policy.contribution_ceiling)


def contribution_split(
    policy: ProvincePolicy, scheme: str, amount: Decimal
) -> rules.ContributionSplit:
    """The month's amounts under a province-year policy (spec §1.3)."""
    if scheme == Scheme.FLEXIBLE:
        return rules.flexible_contribution(
            base=amount,
            band=_band_of(policy),
            total_rate=policy.flexible_total_rate,
            account_rate=policy.flexible_account_rate,
        )
    return rules.employee_contribution(
        declared_wage=amount,
        band=_band_of(policy),
        employer_rate=policy.employer_rate,
        account_rate=policy.employee_rate,
    )


def _validate_rows(
    province: str, rows: Sequence[ContributionRow], today: date
) -> tuple[list[_ValidRow], list[RowError]]:
    """Check each row on its own and against the batch; reads policies and employers once."""
    errors: list[RowError] = []
    parsed: list[tuple[int, ContributionRow, str, rules.Month]] = []
    this_month = rules.Month.from_date(today)
    checks: dict[str, rules.IdNumberCheck] = {}  # a person's months repeat the same number
    for position, row in enumerate(rows):
        index = position if row.index is None else row.index
        check = checks.get(row.id_number)
        if check is None:
            check = checks[row.id_number] = rules.check_id_number(row.id_number, today=today)
        if not check.valid:
            issue = check.errors[0]
            errors.append(RowError(index, "id_number", f"id_number_{issue.code}", issue.message))
            continue
        try:
            month = rules.Month.parse(row.month)
        except ValueError as exc:
            errors.append(RowError(index, "month", "month_invalid", str(exc)))
            continue
        if month > this_month:
            errors.append(RowError(index, "month", "month_in_future", f"{month} is in the future"))
            continue
        if row.scheme not in SCHEMES:
            errors.append(
                RowError(index, "scheme", "scheme_invalid", f"unknown scheme {row.scheme}")
            )
            continue
        if row.kind not in POSTABLE_KINDS:
            errors.append(RowError(index, "kind", "kind_invalid", f"kind {row.kind} not accepted"))
            continue
        parsed.append((index, row, check.number, month))

    years = {month.year for _, _, _, month in parsed}
    policies = {
        p.year: p for p in ProvincePolicy.objects.filter(province_id=province, year__in=years)
    }
    usccs = {row.employer_uscc for _, row, _, _ in parsed if row.employer_uscc}
    employers = dict(
        Employer.objects.filter(uscc__in=usccs, province_id=province).values_list("uscc", "id")
    )

    valid: list[_ValidRow] = []
    seen: dict[tuple[str, rules.Month, int | None], int] = {}
    splits: dict[tuple[int, str, Decimal], rules.ContributionSplit | rules.BaseOutOfBand] = {}
    for index, row, id_number, month in parsed:
        policy = policies.get(month.year)
        if policy is None:
            errors.append(
                RowError(index, "month", "no_policy", f"no policy for {province} in {month.year}")
            )
            continue
        employer_id = employers.get(row.employer_uscc) if row.employer_uscc else None
        if row.scheme == Scheme.EMPLOYEE and employer_id is None:
            errors.append(
                RowError(
                    index,
                    "employer_uscc",
                    "unknown_employer",
                    f"no employer {row.employer_uscc or '(none given)'} registered in {province}",
                )
            )
            continue
        if row.scheme == Scheme.FLEXIBLE and row.employer_uscc:
            errors.append(
                RowError(index, "employer_uscc", "employer_not_allowed", "flexible has no employer")
            )
            continue
        split_key = (month.year, row.scheme, row.amount_base)
        if split_key not in splits:  # a person's months repeat the same base
            try:
                splits[split_key] = contribution_split(policy, row.scheme, row.amount_base)
            except rules.BaseOutOfBand as exc:
                splits[split_key] = exc
        split = splits[split_key]
        if isinstance(split, rules.BaseOutOfBand):
            # Named as the channel's field: the declared wage or base (wage_or_base).
            errors.append(RowError(index, "wage_or_base", split.code, str(split)))
            continue
        key = (id_number, month, employer_id)
        if key in seen:
            errors.append(
                RowError(
                    index,
                    "month",
                    "duplicate_in_batch",
                    f"same person and month as row {seen[key]}",
                )
            )
            continue
        seen[key] = index
        valid.append(_ValidRow(index, row, id_number, month, employer_id, split))
    return valid, errors


# Only the (person, month) index serves the inner query, and the province is checked on
# the few rows it returns.
LIVE_MONTHS_SQL = f"""
    SELECT r.person_id, r.month, r.employer_id
      FROM unnest(%s::bigint[]) AS p(id)
     CROSS JOIN LATERAL (
           SELECT r.id, r.person_id, r.month, r.employer_id, r.kind, r.province_id
             FROM contributions_contributionrecord r
            WHERE r.person_id = p.id AND r.month = ANY(%s::date[])
           OFFSET 0
     ) AS r
     WHERE r.province_id = %s AND {live_sql("r", probed=True)}
"""  # noqa: S608


def _live_months(
    province: str, person_ids: Iterable[int], months: Iterable[date]
) -> set[tuple[int, date, int | None]]:
    """(person, month, employer) already in the ledger for this province and not reversed.

    Probed person by person on the (person, month) index, whatever the statistics of a
    fast-growing table say: planned from them, its province index, which grows with the
    ledger, could be read instead.
    """
    person_ids, months = list(person_ids), list(months)
    if not person_ids:
        return set()
    with connection.cursor() as cursor:
        # Short index probes: compiling them would cost more than it saves.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(LIVE_MONTHS_SQL, [person_ids, months, province])
        return set(cursor.fetchall())


CONTRIBUTION_COPY_COLUMNS = (
    "person_id, province_id, employer_id, scheme, month, base, pooling_part, account_part, "
    "kind, is_temporary_account, paid_on, batch_id, batch_row, reason, posted_at"
)
SUSPENSE_COPY_COLUMNS = (
    "id_number, name, province_id, employer_id, scheme, month, base, pooling_part, "
    "account_part, kind, batch_id, batch_row, journal_entry_id, held_at"
)


def contribution_batch_post(
    *,
    province: str,
    rows: Sequence[ContributionRow],
    source: str,
    accept_partial: bool = False,
    posted_by: User | None = None,
    parse_errors: Sequence[RowError] = (),
) -> BatchResult:
    """Post a batch of contributions (缴费入账) to the ledger in one transaction.

    Rows are validated as a whole. All-or-nothing by default: any row error raises
    BatchRejected and nothing is written. With accept_partial, valid rows are posted and the
    others come back in `rejected`. Contributions of unknown persons are held in suspense.
    The journal is posted once for the batch. `parse_errors` are rows the channel could not
    even read; they count like any other refused row.
    """
    today = timezone.localdate()
    valid, errors = _validate_rows(province, rows, today)
    errors += parse_errors
    with transaction.atomic():
        lock_province_contributions(province)
        facts = {
            row[0]: row[1:]
            for row in InsuredPerson.objects.filter(
                id_number__in={v.id_number for v in valid}
            ).values_list("id_number", "id", "birth_date", "retired_on", "died_on")
        }
        persons = {id_number: fact[0] for id_number, fact in facts.items()}
        settings = risk_services.rule_settings(["RK-03", "RK-20"])
        live = _live_months(
            province,
            {persons[v.id_number] for v in valid if v.id_number in persons},
            {v.month.first_day() for v in valid},
        )
        known, unknown, warnings = [], [], []
        for v in valid:
            person_id = persons.get(v.id_number)
            if person_id is None:
                unknown.append(v)
                continue
            if (person_id, v.month.first_day(), v.employer_id) in live:
                errors.append(
                    RowError(v.index, "month", "duplicate_in_ledger", f"{v.month} already posted")
                )
                continue
            findings = _contribution_findings(v, facts[v.id_number], settings)
            if blocking := risk_services.inprocess_blocking(findings, settings):
                errors.append(RowError(v.index, "month", blocking[0].code, blocking[0].message))
                continue
            known.append((person_id, v))
            warnings += [
                risk_services.InProcessWarning(finding, province, person_id, f"person:{person_id}")
                for finding in findings
            ]
        errors.sort(key=lambda e: e.index)
        if errors and not accept_partial:
            raise BatchRejected(errors)
        if not known and not unknown:
            return BatchResult(batch=None, rejected=errors)

        now = timezone.now()
        batch = ContributionBatch.objects.create(
            province_id=province, source=source, row_count=len(known) + len(unknown)
        )
        entry = _post_batch_journal(province, batch, known, unknown, posted_by)
        with connection.cursor() as cursor:
            with cursor.copy(
                f"COPY contributions_contributionrecord ({CONTRIBUTION_COPY_COLUMNS}) FROM STDIN"
            ) as copy:
                for person_id, v in known:
                    copy.write_row(_record_values(province, person_id, v, batch.id, now))
            with cursor.copy(
                f"COPY contributions_suspenseitem ({SUSPENSE_COPY_COLUMNS}) FROM STDIN"
            ) as copy:
                for v in unknown:
                    copy.write_row(_suspense_values(province, v, batch.id, entry.id, now))
        record_changed(person_id for person_id, _ in known)
        # The warnings of the rows posted, filed together: a query per warned rule.
        risk_services.inprocess_file(warnings)
    return BatchResult(
        batch=batch,
        posted=len(known),
        held_in_suspense=len(unknown),
        rejected=errors,
        journal_entry=entry,
    )


def _contribution_findings(
    v: _ValidRow, fact: tuple[int, date, date | None, date | None], settings: dict[str, RuleSetting]
) -> list[Finding]:
    """The in-process risk findings of one row (RK-03, RK-20)."""
    _, birth_date, retired_on, died_on = fact
    return risk_checks.contribution_checks(
        month=v.month,
        birth_date=birth_date,
        retired_on=retired_on,
        died_on=died_on,
        settings=settings,
    )


def _record_values(
    province: str, person_id: int, v: _ValidRow, batch_id: int, now: datetime
) -> tuple[object, ...]:
    return (
        person_id,
        province,
        v.employer_id,
        v.row.scheme,
        v.month.first_day(),
        v.split.base,
        v.split.pooling_part,
        v.split.account_part,
        v.row.kind,
        v.row.is_temporary_account,
        v.row.paid_on,
        batch_id,
        v.index,
        "",
        now,
    )


def _suspense_values(
    province: str, v: _ValidRow, batch_id: int, entry_id: int, now: datetime
) -> tuple[object, ...]:
    return (
        v.id_number,
        v.row.name,
        province,
        v.employer_id,
        v.row.scheme,
        v.month.first_day(),
        v.split.base,
        v.split.pooling_part,
        v.split.account_part,
        v.row.kind,
        batch_id,
        v.index,
        entry_id,
        now,
    )


def _post_batch_journal(
    province: str,
    batch: ContributionBatch,
    known: list[tuple[int, _ValidRow]],
    unknown: list[_ValidRow],
    posted_by: User | None,
) -> JournalEntry:
    """Dr receipts in transit; Cr pooling fund and account liability (known persons) and
    suspense (unknown persons)."""
    pooling = sum((v.split.pooling_part for _, v in known), Decimal(0))
    account = sum((v.split.account_part for _, v in known), Decimal(0))
    held = sum((v.split.total for v in unknown), Decimal(0))
    return journal_post(
        event=JournalEntry.Event.CONTRIBUTIONS if known else JournalEntry.Event.SUSPENSE,
        description=f"contribution batch {batch.public_id}",
        batch=batch,
        posted_by=posted_by,
        lines=contribution_journal_lines(province, pooling=pooling, account=account, held=held),
    )


def contribution_journal_lines(
    province: str, *, pooling: Decimal, account: Decimal, held: Decimal = Decimal(0)
) -> list[tuple[str, str, Decimal]]:
    """A batch's entry: Dr receipts in transit; Cr pooling fund and account liability (known
    persons) and suspense (unknown persons)."""
    return [
        (province, FundAccount.RECEIPTS_IN_TRANSIT, pooling + account + held),
        (province, FundAccount.POOLING_FUND, -pooling),
        (province, FundAccount.ACCOUNT_LIABILITY, -account),
        (province, FundAccount.SUSPENSE, -held),
    ]
