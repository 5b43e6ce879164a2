"""Incremental screening on a real Celery worker: after new rows (with new anomalies), a run
over what changed leaves the open flags a full run of the final ledger leaves."""

import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from contributions.models import InsuredPerson, ProvincePolicy
from contributions.rules import Month
from risk import services as risk_services
from risk.models import RiskFlag, ScreeningChange, ScreeningRun
from tests.factories import paid_months
from transfers.models import Transfer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AS_OF = date(2025, 6, 30)


def _completed(run: ScreeningRun) -> ScreeningRun:
    deadline = time.monotonic() + 240
    while (run := ScreeningRun.objects.get(pk=run.pk)).status != ScreeningRun.Status.COMPLETED:
        assert run.status != ScreeningRun.Status.FAILED, run.error
        assert time.monotonic() < deadline, f"run still {run.status}"
        time.sleep(0.3)
    return run


def _open_flags() -> set[tuple[str, str, str]]:
    return set(RiskFlag.objects.filter(status="open").values_list("rule", "subject", "period"))


def test_an_incremental_run_leaves_the_open_flags_of_a_full_run_of_the_final_ledger(
    celery_worker, tmp_path
):
    call_command("generate_nation", "--persons=150", "--seed=3", "--as-of=2025-06",
                 f"--anomalies={tmp_path / 'first.jsonl'}")  # fmt: skip
    full = _completed(risk_services.screening_start(as_of=AS_OF))
    assert full.scope == ScreeningRun.Scope.FULL
    assert not ScreeningChange.objects.exists(), "the full run took the changes"

    # New persons with new anomalies of every rule, a person of before paid twice (RK-02),
    # and a transfer step that falls due after the run's date.
    call_command("generate_nation", "--add", "--persons=15", "--seed=4", "--as-of=2025-06",
                 f"--anomalies={tmp_path / 'second.jsonl'}")  # fmt: skip
    earlier = InsuredPerson.objects.order_by("pk").first()
    paid_months(earlier, "44", Month(2019, 3), 2)
    paid_months(earlier, "31", Month(2019, 3), 2)
    waiting = InsuredPerson.objects.order_by("pk")[1]
    Transfer.objects.create(
        person=waiting,
        from_province_id="43",
        to_province_id="44",
        applied_on=AS_OF - timedelta(days=5),
        step_deadline=AS_OF + timedelta(days=16),
    )
    changed = set(ScreeningChange.objects.values_list("person_id", flat=True))
    assert {earlier.pk, waiting.pk} <= changed

    incremental = _completed(risk_services.screening_start(as_of=AS_OF, incremental=True))
    assert incremental.scope == ScreeningRun.Scope.INCREMENTAL
    assert incremental.since == full
    screened = {pk for piece in incremental.slices.all() for pk in piece.person_ids or []}
    assert screened == changed
    assert len(screened) < InsuredPerson.objects.count() / 3
    assert ("RK-02", f"person:{earlier.pk}", "2019") in _open_flags()
    after_incremental = _open_flags()

    RiskFlag.objects.all().delete()
    _completed(risk_services.screening_start(as_of=AS_OF))
    assert _open_flags() == after_incremental

    # Later, with nothing changed: the step overdue by then is found, and a full run of the
    # same date finds nothing more.
    later = AS_OF + timedelta(days=30)
    moved_on = _completed(risk_services.screening_start(as_of=later, incremental=True))
    assert moved_on.scope == ScreeningRun.Scope.INCREMENTAL
    overdue = RiskFlag.objects.filter(rule="RK-23", person=waiting, status="open")
    assert overdue.exists()
    assert _completed(risk_services.screening_start(as_of=later)).flags_filed == 0


def test_an_incremental_run_is_a_full_one_when_it_could_not_give_the_same_answer(
    celery_worker,
):
    call_command("generate_nation", "--persons=20", "--seed=3", "--as-of=2025-06")
    # No run before it.
    first = _completed(risk_services.screening_start(as_of=AS_OF, incremental=True))
    assert first.scope == ScreeningRun.Scope.FULL
    # A policy year changed: every person who paid in it may have changed.
    policy = ProvincePolicy.objects.filter(province_id="44", year=2024).get()
    policy.contribution_floor -= 1
    policy.save()
    second = _completed(risk_services.screening_start(as_of=AS_OF, incremental=True))
    assert second.scope == ScreeningRun.Scope.FULL
    # A date before the last run's.
    third = risk_services.screening_start(as_of=AS_OF - timedelta(days=1), incremental=True)
    assert _completed(third).scope == ScreeningRun.Scope.FULL
    # Nothing changed since, on the same date: only the rules about provinces run.
    fourth = risk_services.screening_start(as_of=AS_OF - timedelta(days=1), incremental=True)
    fourth = _completed(fourth)
    assert fourth.scope == ScreeningRun.Scope.INCREMENTAL
    assert [piece.rule_codes for piece in fourth.slices.all()] == [["RK-RC"]]


def test_an_incremental_run_covers_the_whole_ledger_with_every_rule():
    with pytest.raises(risk_services.ScreeningError, match="whole ledger"):
        risk_services.screening_start(province="44", incremental=True)
