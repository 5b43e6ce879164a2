"""Screening runs on a real Celery worker: completion, idempotent reruns, a killed worker."""

import io
import json
import signal
import time

import pytest
from django.core.management import call_command

from contributions.models import InsuredPerson
from contributions.rules import Month
from contributions.tasks import reconcile_ledger
from portal.celery import app as celery_app
from risk import services as risk_services
from risk.models import RiskFlag, ScreeningRun
from tests.conftest import _forget_routing, start_worker, stop_worker
from tests.factories import paid_months

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ledger_with_overlaps():
    """A small nation plus three persons paid twice for the same months (RK-02)."""
    call_command("generate_nation", "--persons=120", "--seed=3", "--as-of=2025-06")
    doubled = list(InsuredPerson.objects.order_by("pk")[:3])
    for person in doubled:
        paid_months(person, "44", Month(2020, 10), 3)
        paid_months(person, "31", Month(2020, 10), 3)
    return doubled


def _screen(*args: str) -> dict:
    out = io.StringIO()
    call_command("screen", "--wait", "--timeout=300", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_run_completes_and_a_rerun_files_no_duplicate(celery_worker, ledger_with_overlaps):
    first = _screen("--rules=RK-02")
    assert first["status"] == "completed"
    assert first["hits"]["RK-02"] >= 3
    flagged = set(RiskFlag.objects.filter(rule="RK-02").values_list("person_id", flat=True))
    assert {p.pk for p in ledger_with_overlaps} <= flagged

    again = _screen("--rules=RK-02")
    assert again["hits"]["RK-02"] == first["hits"]["RK-02"]
    assert again["flags_filed"] == 0
    assert RiskFlag.objects.filter(rule="RK-02").count() == first["flags_filed"]


def test_a_backtest_counts_hits_and_files_nothing(celery_worker, ledger_with_overlaps):
    summary = _screen("--rules=RK-02", "--backtest")
    assert summary["hits"]["RK-02"] >= 3
    assert not RiskFlag.objects.exists()
    assert ScreeningRun.objects.get().is_backtest


def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes_with_the_same_flags(
    ledger_with_overlaps, monkeypatch, own_queue
):
    # One person per slice, one worker process, and a queue of this test's own, so that the
    # run is long enough to kill in the middle and no other worker takes its tasks.
    monkeypatch.setattr(risk_services, "PERSONS_PER_SLICE", 1)
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    first = start_worker("kill-a@localhost", queue=own_queue, concurrency=1, **fast_redelivery)
    run = risk_services.screening_start(rule_codes=["RK-02"])
    deadline = time.monotonic() + 180
    while ScreeningRun.objects.get(pk=run.pk).slices_done < 3:
        assert time.monotonic() < deadline, "the first worker made no progress"
        time.sleep(0.02)
    stop_worker(first, signal.SIGKILL)
    killed_at = ScreeningRun.objects.get(pk=run.pk)
    assert killed_at.slices_done < killed_at.slices_total, "the run ended before the kill"

    second = start_worker("kill-b@localhost", queue=own_queue, **fast_redelivery)
    try:
        deadline = time.monotonic() + 240
        while (run := ScreeningRun.objects.get(pk=run.pk)).status != "completed":
            assert time.monotonic() < deadline, f"run still {run.status}"
            time.sleep(0.5)
    finally:
        stop_worker(second)

    assert run.slices_done == run.slices_total
    flagged = set(RiskFlag.objects.values_list("person_id", "period"))
    assert {(p.pk, "2020") for p in ledger_with_overlaps} <= flagged
    # An uninterrupted rerun finds the same hits and has nothing left to file.
    monkeypatch.setattr(risk_services, "PERSONS_PER_SLICE", 25_000)
    rerun = risk_services.screening_start(rule_codes=["RK-02"])
    rerun_worker = start_worker("kill-c@localhost", queue=own_queue)
    try:
        deadline = time.monotonic() + 180
        while (rerun := ScreeningRun.objects.get(pk=rerun.pk)).status != "completed":
            assert time.monotonic() < deadline
            time.sleep(0.3)
    finally:
        stop_worker(rerun_worker)
    assert rerun.hits_by_rule == run.hits_by_rule
    assert rerun.flags_filed == 0


def test_ledger_wide_rules_run_once_each_in_a_piece_of_their_own(
    celery_worker, ledger_with_overlaps, monkeypatch
):
    monkeypatch.setattr(risk_services, "PERSONS_PER_SLICE", 40)
    paid_months(ledger_with_overlaps[0], "44", Month(2021, 1), 1, base="1.00")  # RK-08

    summary = _screen("--rules=RK-02,RK-08,RK-RC")

    run = ScreeningRun.objects.get()
    (*ledger,) = run.slices.filter(first_person_id=None).order_by("pk")
    slices = run.slices.exclude(first_person_id=None)
    assert [piece.hits_by_rule.keys() for piece in ledger] == [{"RK-08"}, {"RK-RC"}]
    assert len(slices) == -(-InsuredPerson.objects.count() // 40)
    assert all(piece.hits_by_rule.keys() == {"RK-02"} for piece in slices)
    assert summary["hits"]["RK-08"] == 1
    # The directly written records are missing from the journal in both provinces.
    assert summary["hits"]["RK-RC"] == 2
    assert summary["hits"]["RK-02"] >= 3


def test_screening_and_accounting_each_go_to_the_workers_of_their_own_queue(
    ledger_with_overlaps, own_queue
):
    # Two hosts: one consumes only the screening queue, the other the default queue and the
    # accounting queue; the tasks are routed as in production, to this test's queues.
    screening, accounting = f"{own_queue}-screening", f"{own_queue}-accounting"
    celery_app.conf.task_routes = {
        "risk.tasks.*": {"queue": screening},
        "contributions.tasks.*": {"queue": accounting},
    }
    _forget_routing()
    queues = {"CELERY_SCREENING_QUEUE": screening, "CELERY_ACCOUNTING_QUEUE": accounting}
    screening_host = start_worker(
        "screening-host@localhost", queue=own_queue, consumes=[screening], **queues
    )
    accounting_host = start_worker(
        "accounting-host@localhost", queue=own_queue, consumes=[own_queue, accounting], **queues
    )
    try:
        run = risk_services.screening_start(rule_codes=["RK-02"])
        deadline = time.monotonic() + 240
        while (run := ScreeningRun.objects.get(pk=run.pk)).status != "completed":
            assert time.monotonic() < deadline, f"run still {run.status}"
            time.sleep(0.3)
        assert set(run.slices.values_list("worker", flat=True)) == {"screening-host@localhost"}
        # The screening host does not consume the accounting queue: the other host reconciles.
        assert "discrepancies" in reconcile_ledger.delay().get(timeout=240)
    finally:
        stop_worker(screening_host)
        stop_worker(accounting_host)
