"""Writes of risk screening: the rule table, screening runs and their slices, flags."""

import json
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from celery import chord, current_app
from django.db import connection, transaction
from django.db.models import F, Max, Min, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from contributions.models import InsuredPerson
from contributions.reconciliation import INDEX_SCAN_COSTS_SQL
from risk.checks import Finding, RuleSetting
from risk.models import LIVE_FLAG_STATUSES, RiskFlag, RiskRule, ScreeningRun, ScreeningSlice
from risk.registry import BatchContext, Hit, RuleSpec, all_rules

# Persons per slice of a screening run: small enough to spread over the workers and to
# redo quickly after a crash, large enough that per-query overhead stays small (on two
# cores, 6,250 ran the full benchmark a little faster than 12,500 and 25,000).
PERSONS_PER_SLICE = 6_250
# Changed persons per slice of an incremental run: their ids are scattered, so each costs
# more to read than a person of a range, and the few there are should still spread over
# the workers.
CHANGED_PERSONS_PER_SLICE = 500


class ScreeningError(Exception):
    """A screening request that cannot be carried out, with a reason."""


def rules_sync() -> None:
    """Make the rule table hold every declared rule; edited parameters are kept."""
    for spec in all_rules():
        rule, created = RiskRule.objects.get_or_create(
            code=spec.code,
            defaults={
                "title_zh": spec.title_zh,
                "title_en": spec.title_en,
                "description": spec.description,
                "stage": spec.stage,
                "severity": spec.severity,
                "parameters": spec.defaults,
            },
        )
        missing = {k: v for k, v in spec.defaults.items() if k not in rule.parameters}
        if not created and missing:
            rule.parameters = {**missing, **rule.parameters}
            rule.version += 1
            rule.save(update_fields=["parameters", "version", "updated_at"])


def rule_parameters_check(*, rule: RiskRule, parameters: Any) -> dict[str, Any]:
    """The rule's full parameters after this change, or ScreeningError saying what is wrong.

    Every parameter is one the rule declares, of its default's type (a whole number, a
    number, or a decimal written as a string), and not negative.
    """
    if not isinstance(parameters, dict):
        raise ScreeningError("parameters are an object of name: value")
    specs = {spec.code: spec for spec in all_rules()}
    defaults = specs[rule.code].defaults if rule.code in specs else rule.parameters
    unknown = set(parameters) - set(defaults)
    if unknown:
        raise ScreeningError(f"{rule.code} has no parameter {', '.join(sorted(unknown))}")
    for name, value in parameters.items():
        number = _parameter_number(defaults[name], value)
        if number is None or not number.is_finite() or number < 0:
            raise ScreeningError(f"{name} must be {_PARAMETER_KINDS[type(defaults[name])]}")
    return {**rule.parameters, **parameters}


_PARAMETER_KINDS = {
    str: "a decimal written as a string, not negative",
    int: "a whole number, not negative",
    float: "a number, not negative",
}


def _parameter_number(default: Any, value: Any) -> Decimal | None:
    """The value as a number if it has the default's type, else None."""
    if isinstance(default, str):
        try:
            return Decimal(value) if isinstance(value, str) else None
        except InvalidOperation:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(default, int) and not isinstance(value, int):
        return None
    return Decimal(str(value))


def rule_change(
    *,
    rule: RiskRule,
    severity: str,
    is_active: bool,
    parameters: dict[str, Any],
    by: User | None = None,
) -> RiskRule:
    """Change what a rule does (severity, activity, parameters); the version moves on so
    flags say which values raised them."""
    merged = rule_parameters_check(rule=rule, parameters=parameters)
    if severity not in RiskRule.Severity.values:
        raise ScreeningError(f"severity is one of {', '.join(RiskRule.Severity.values)}")
    with transaction.atomic():
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        before = {
            "severity": rule.severity,
            "is_active": rule.is_active,
            "parameters": rule.parameters,
        }
        after = {"severity": severity, "is_active": is_active, "parameters": merged}
        if before == after:
            return rule
        rule.severity, rule.is_active, rule.parameters = severity, is_active, merged
        rule.version += 1
        rule.save(update_fields=["severity", "is_active", "parameters", "version", "updated_at"])
        audit_record(
            actor=by,
            action="risk_rule_change",
            subject=f"risk_rule:{rule.code}",
            detail={"from": before, "to": after, "version": rule.version},
        )
    return rule


def screening_start(
    *,
    province: str | None = None,
    rule_codes: list[str] | None = None,
    backtest: bool = False,
    started_by: User | None = None,
    as_of: date | None = None,
    incremental: bool = False,
) -> ScreeningRun:
    """Start a screening run (事后稽核): a run, its slices, and after commit one Celery task
    per slice, joined by a chord that closes the run.

    `incremental`: screen only what changed since the last completed run over the whole
    ledger (see `_incremental_since`); when that could not give a full run's answer, the
    run is a full one.
    """
    rules_sync()
    specs = {spec.code: spec for spec in all_rules() if spec.batch is not None}
    codes = sorted(rule_codes or specs)
    unknown = set(codes) - set(specs)
    if unknown:
        raise ScreeningError(f"no batch rule {', '.join(sorted(unknown))}")
    whole = province is None and not backtest and codes == sorted(specs)
    if incremental and not whole:
        raise ScreeningError("An incremental run screens the whole ledger with every rule.")
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        # A run over the whole ledger takes the changes noted so far: it screens them all.
        # Any other run leaves them to the next whole one.
        changed = _changes_take(listed=incremental) if whole else set()
        since = _incremental_since(codes, as_of, changed) if incremental else None
        run = ScreeningRun.objects.create(
            province_id=province,
            rule_codes=codes,
            is_backtest=backtest,
            started_by=started_by,
            as_of=as_of,
            scope=ScreeningRun.Scope.INCREMENTAL if since else ScreeningRun.Scope.FULL,
            since=since,
        )
        if since is None:
            _full_pieces(run, [specs[code] for code in codes])
        else:
            persons = sorted(person for person in changed if person is not None)
            _incremental_pieces(run, [specs[code] for code in codes], since, persons)
        pieces = list(run.slices.order_by("pk").values_list("pk", flat=True))
        run.slices_total = len(pieces)
        run.save(update_fields=["slices_total"])
        transaction.on_commit(lambda: _enqueue(run.pk, as_of.isoformat(), pieces))
    return run


def _changes_take(*, listed: bool) -> set[int | None]:
    """Remove the persons noted as changed and, if `listed`, return them (None: everyone); a
    change committed after this statement stays for the next run."""
    with connection.cursor() as cursor:
        if not listed:
            cursor.execute("DELETE FROM risk_screeningchange")
            return set()
        cursor.execute(
            "WITH taken AS (DELETE FROM risk_screeningchange RETURNING person_id) "
            "SELECT DISTINCT person_id FROM taken"
        )
        return {person_id for (person_id,) in cursor.fetchall()}


def _incremental_since(
    codes: list[str], as_of: date, changed: set[int | None]
) -> ScreeningRun | None:
    """The run an incremental run can carry on from, or None when only a full run gives
    the right answer: the latest run over the whole ledger with these rules did not
    complete (or there is none), a rule or a policy year changed since, or the date went
    back."""
    last = (
        ScreeningRun.objects.filter(province=None, is_backtest=False, rule_codes=codes)
        .order_by("-created_at")
        .first()
    )
    if last is None or last.status != ScreeningRun.Status.COMPLETED or last.as_of is None:
        return None
    if None in changed or as_of < last.as_of:
        return None
    if RiskRule.objects.filter(code__in=codes, updated_at__gt=last.created_at).exists():
        return None
    return last


def _full_pieces(run: ScreeningRun, specs: list[RuleSpec]) -> None:
    """A piece of its own for each ledger-wide rule, and ranges of persons for the rest."""
    # Created, and so sent, first: they are the longest pieces; the workers share them and
    # the slices fill in around them.
    _ledger_pieces(run, [spec.code for spec in specs if spec.ledger_wide])
    _range_pieces(run, [spec.code for spec in specs if not spec.ledger_wide])


def _ledger_pieces(run: ScreeningRun, codes: list[str]) -> None:
    ScreeningSlice.objects.bulk_create(ScreeningSlice(run=run, rule_codes=[code]) for code in codes)


def _range_pieces(run: ScreeningRun, codes: list[str]) -> None:
    if not codes:
        return
    bounds = InsuredPerson.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return
    ScreeningSlice.objects.bulk_create(
        ScreeningSlice(
            run=run,
            first_person_id=first,
            last_person_id=min(first + PERSONS_PER_SLICE - 1, bounds["last"]),
            rule_codes=codes,
        )
        for first in range(bounds["first"], bounds["last"] + 1, PERSONS_PER_SLICE)
    )


def _incremental_pieces(
    run: ScreeningRun, specs: list[RuleSpec], since: ScreeningRun, changed: list[int]
) -> None:
    """The rules about provinces in a piece of their own, every person rule for the changed
    persons and, on a later date than `since`'s, the time-sensitive rules for everyone."""
    _ledger_pieces(run, [spec.code for spec in specs if not spec.per_person])
    timely = [spec.code for spec in specs if spec.per_person and spec.time_sensitive]
    moved_on = since.as_of is not None and run.as_of is not None and run.as_of > since.as_of
    if moved_on:
        _range_pieces(run, timely)
    person_codes = [
        spec.code for spec in specs if spec.per_person and not (moved_on and spec.time_sensitive)
    ]
    ScreeningSlice.objects.bulk_create(
        ScreeningSlice(
            run=run,
            first_person_id=persons[0],
            last_person_id=persons[-1],
            person_ids=persons,
            rule_codes=person_codes,
        )
        for start in range(0, len(changed), CHANGED_PERSONS_PER_SLICE)
        if (persons := changed[start : start + CHANGED_PERSONS_PER_SLICE])
    )


def _enqueue(run_id: int, as_of: str, pieces: list[int]) -> None:
    """One task per piece, in the order made, joined by a chord that closes the run."""
    if not pieces:
        screening_finish(run_id=run_id)
        return
    # By name: the tasks call these services, and a module imports only what it calls.
    chord(
        current_app.signature("risk.tasks.screening_slice", args=(piece, as_of)) for piece in pieces
    )(current_app.signature("risk.tasks.screening_run_close", args=(run_id,)))


def screening_slice_run(*, slice_id: int, as_of: date, worker: str = "") -> ScreeningSlice | None:
    """Run the run's rules over one piece (a slice of persons, or a ledger-wide rule's) and
    file their flags, exactly once.

    Caller: a Celery task, possibly a redelivery after a crash. Everything the slice writes
    commits together with its `is_done` mark, so a slice that crashed left nothing behind
    and a slice that finished is not done again.
    """
    started = time.monotonic()
    # Marked running in a short transaction of its own: inside the slice's, the run's row
    # would stay locked until the slice commits, and the slices beside it would queue.
    ScreeningRun.objects.filter(slices__pk=slice_id, status=ScreeningRun.Status.PENDING).update(
        status=ScreeningRun.Status.RUNNING, started_at=timezone.now()
    )
    with transaction.atomic():
        # A duplicate delivery waits here for the first one, then finds the slice done.
        piece = (
            ScreeningSlice.objects.select_for_update(of=("self",))
            .select_related("run")
            .filter(pk=slice_id, is_done=False)
            .first()
        )
        if piece is None:
            return None
        run = piece.run
        hits_by_rule, filed = {}, 0
        rules = {rule.code: rule for rule in RiskRule.objects.filter(code__in=run.rule_codes)}
        specs = {spec.code: spec for spec in all_rules()}
        with connection.cursor() as cursor:
            # Many short index probes: compiling them costs more than it saves. The slices
            # are the run's parallelism, so a slice's queries do not fan out again. Sorts
            # of a slice's findings fit in memory.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(INDEX_SCAN_COSTS_SQL)
        for code in piece.rule_codes:
            rule = rules[code]
            if not rule.is_active:
                continue
            hits = _detect(specs[code], rule, piece, run.province_id, as_of)
            hits_by_rule[code] = len(hits)
            if not run.is_backtest:
                filed += flags_file(rule=rule, hits=hits, run=run)
        piece.is_done = True
        piece.hits_by_rule = hits_by_rule
        piece.flags_filed = filed
        piece.seconds = round(time.monotonic() - started, 3)
        piece.worker = worker
        piece.save(update_fields=["is_done", "hits_by_rule", "flags_filed", "seconds", "worker"])
        ScreeningRun.objects.filter(pk=run.pk).update(slices_done=F("slices_done") + 1)
    return piece


def screening_slice_failed(*, slice_id: int, error: str) -> None:
    """Note on the run that a slice failed (the error's kind only: no data in it)."""
    piece = ScreeningSlice.objects.filter(pk=slice_id).first()
    if piece is not None:
        ScreeningRun.objects.filter(pk=piece.run_id).update(
            error=Concat(F("error"), Value(f"slice {slice_id}: {error}\n"))
        )


def _detect(
    spec: RuleSpec, rule: RiskRule, piece: ScreeningSlice, province: str | None, as_of: date
) -> list[Hit]:
    context = BatchContext(
        first_person_id=piece.first_person_id,
        last_person_id=piece.last_person_id,
        province=province,
        parameters=rule.parameters,
        as_of=as_of,
        person_ids=piece.person_ids,
        incremental=piece.run.scope == ScreeningRun.Scope.INCREMENTAL,
    )
    if spec.batch is None:  # only rules with a detector get pieces
        raise ScreeningError(f"{spec.code} has no batch detector")
    return spec.batch(context)


FLAG_INSERT_SQL = """
INSERT INTO risk_riskflag
    (public_id, rule_id, rule_version, parameters, person_id, province_id, subject, period,
     evidence, status, reason, run_id, created_at, updated_at)
SELECT gen_random_uuid(), %(rule)s, %(version)s, %(parameters)s::jsonb, h.person_id,
       h.province_id, h.subject, h.period, h.evidence, 'open', '', %(run)s, now(), now()
  FROM jsonb_to_recordset(%(hits)s::jsonb)
       AS h(person_id bigint, province_id text, subject text, period text, evidence jsonb)
ON CONFLICT (rule_id, subject, period) WHERE status IN ({statuses}) DO NOTHING
""".format(statuses=", ".join(f"'{status}'" for status in LIVE_FLAG_STATUSES))


def flags_file(*, rule: RiskRule, hits: list[Hit], run: ScreeningRun | None = None) -> int:
    """File a flag for each hit unless a live one exists for its rule, subject and period."""
    if not hits:
        return 0
    payload = [
        {
            "person_id": hit.person_id,
            "province_id": hit.province,
            "subject": hit.subject,
            "period": hit.period,
            "evidence": hit.evidence,
        }
        for hit in hits
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            FLAG_INSERT_SQL,
            {
                "rule": rule.code,
                "version": rule.version,
                "parameters": json.dumps(rule.parameters),
                "run": run.pk if run else None,
                "hits": json.dumps(payload, default=str),
            },
        )
        return int(cursor.rowcount)


def screening_finish(*, run_id: int) -> ScreeningRun:
    """Sum the slices into the run and close it (the chord's last step)."""
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().get(pk=run_id)
        totals: dict[str, int] = {}
        filed = 0
        for piece in run.slices.filter(is_done=True):
            filed += piece.flags_filed
            for code, count in piece.hits_by_rule.items():
                totals[code] = totals.get(code, 0) + count
        done = run.slices.filter(is_done=True).count()
        run.hits_by_rule, run.flags_filed, run.slices_done = totals, filed, done
        run.status = (
            ScreeningRun.Status.COMPLETED
            if done == run.slices_total
            else ScreeningRun.Status.FAILED
        )
        run.finished_at = timezone.now()
        run.started_at = run.started_at or run.finished_at
        run.save()
    return run


def flag_review(*, flag: RiskFlag, status: str, reason: str, by: User) -> RiskFlag:
    """Confirm, dismiss (both with a reason) or resolve a flag; a wrong step is refused."""
    allowed: dict[str, set[str]] = {
        RiskFlag.Status.OPEN: {RiskFlag.Status.CONFIRMED, RiskFlag.Status.DISMISSED},
        RiskFlag.Status.CONFIRMED: {RiskFlag.Status.RESOLVED},
    }
    if status in (RiskFlag.Status.CONFIRMED, RiskFlag.Status.DISMISSED) and not reason.strip():
        raise ScreeningError("Confirming or dismissing a flag needs a reason.")
    with transaction.atomic():
        current = RiskFlag.objects.select_for_update().get(pk=flag.pk)
        if status not in allowed.get(current.status, set()):
            raise ScreeningError(f"A {current.status} flag cannot become {status}.")
        current.status = status
        current.reason = reason.strip() or current.reason
        current.assigned_to = current.assigned_to or by
        current.save(update_fields=["status", "reason", "assigned_to", "updated_at"])
    return current


def rule_settings(codes: list[str]) -> dict[str, RuleSetting]:
    """The current settings of some rules: the rule table, else the registry's defaults."""
    settings = {
        spec.code: RuleSetting(True, spec.severity, spec.defaults)
        for spec in all_rules()
        if spec.code in codes
    }
    for rule in RiskRule.objects.filter(code__in=codes):
        settings[rule.code] = RuleSetting(rule.is_active, rule.severity, rule.parameters)
    return settings


def inprocess_blocking(findings: list[Finding], settings: dict[str, RuleSetting]) -> list[Finding]:
    """The findings whose rule blocks the action (the others are warnings)."""
    return [f for f in findings if settings[f.code].severity == RiskRule.Severity.BLOCK]


@dataclass(frozen=True)
class InProcessWarning:
    """An in-process finding that lets the action through and files a flag about `subject`."""

    finding: Finding
    province: str
    person_id: int | None
    subject: str


def inprocess_file(warnings: list[InProcessWarning]) -> None:
    """File a flag for each warning: one INSERT per rule, whatever the number of warnings."""
    if not warnings:
        return
    codes = {warning.finding.code for warning in warnings}
    rules = RiskRule.objects.in_bulk(codes)
    if len(rules) < len(codes):  # a rule declared since the last migrate
        rules_sync()
        rules = RiskRule.objects.in_bulk(codes)
    for code in sorted(codes):
        flags_file(
            rule=rules[code],
            hits=[
                Hit(
                    province=warning.province,
                    subject=warning.subject,
                    person_id=warning.person_id,
                    period=warning.finding.period,
                    evidence={"message": warning.finding.message, "stage": "in_process"},
                )
                for warning in warnings
                if warning.finding.code == code
            ],
        )


def inprocess_settle(
    *,
    findings: list[Finding],
    settings: dict[str, RuleSetting],
    province: str,
    person_id: int | None,
    subject: str | None = None,
) -> list[Finding]:
    """File a flag for each warning; return the findings that block the action.

    The flags are about the person unless another `subject` is named (e.g. a transfer).
    """
    blocking = inprocess_blocking(findings, settings)
    inprocess_file(
        [
            InProcessWarning(finding, province, person_id, subject or f"person:{person_id}")
            for finding in findings
            if finding not in blocking
        ]
    )
    return blocking
