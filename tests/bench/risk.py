"""Benchmark: full screening runs over a synthetic ledger with planted anomalies.

    make bench-risk   (python -m portal.devstack exec -- python -m tests.bench.risk)

In a database of its own (dropped and recreated): generate_nation --persons 100000 (about
10.5M contribution rows) with --anomalies (`--reuse` screens the last generated ledger
again). Then, three times (`--runs`): a sequential scan of the contributions table as the
baseline (the fastest of three, as the server plans it, in parallel; and by a single
process, for comparison), and right after it `manage.py screen --wait` with every batch rule
on two Celery worker processes, from an empty flag table. Prints per run the run's wall time
(from its creation to its close), the command's (which adds starting Django and polling) and
the run's ratio to its scan; the median and the worst of those ratios; that every run found
the same hits; and the recall per rule against the planted ground truth (which must be 100 %).

Then the incremental run: 1 % more persons with their histories (about 1 % more rows) and
new planted anomalies (`generate_nation --add`), `manage.py screen --incremental`, and a full
run of the final ledger right after it as its baseline, which must file no flag the
incremental run left out; the recall of the new anomalies must be 100 %.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import psycopg

from tests.bench.common import ROOT, MemoryWatch, database_url, manage

DATABASE = "portal_bench_risk"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Screen the ledger the last run generated again (its flags are cleared first).",
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="Screening runs, each with its own scan (default 3)."
    )
    parser.add_argument("--database", default=DATABASE, help=f"(default {DATABASE})")
    args = parser.parse_args()
    database = args.database
    if not args.reuse:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url(database),
        PORTAL_ENVIRONMENT="development",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        CELERY_SCREENING_QUEUE=queue,
        CELERY_ACCOUNTING_QUEUE=queue,
    )
    truth_path = ROOT / "var" / "bench-risk-truth.jsonl"
    truth_path.parent.mkdir(exist_ok=True)
    manage(env, "migrate", "--noinput")
    started = time.monotonic()
    if not args.reuse:
        manage(env, "generate_nation", f"--persons={args.persons}", "--seed=1",
               f"--anomalies={truth_path}")  # fmt: skip
    nation_seconds = time.monotonic() - started

    with psycopg.connect(database_url(database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")  # the generated rows written out before the clock runs
        rows = conn.execute("SELECT count(*) FROM contributions_contributionrecord").fetchone()[0]

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                "1",
                "--hostname",
                f"bench-{i}@localhost",
                "--loglevel",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )  # fmt: skip
        for i in range(2)
    ]
    try:
        time.sleep(5)  # let both workers connect before the first run is dispatched
        with MemoryWatch(*(worker.pid for worker in workers)) as watch:
            runs = [_screen_once(env, database) for _ in range(args.runs)]
            incremental = _screen_incremental(env, database, args.persons, truth_path)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)

    recall = _recall(truth_path, database)
    ratios = [run["screening_vs_scan"] for run in runs]
    hits = [run.pop("hits_by_rule") for run in runs]
    report = {
        "contribution_rows": rows,
        "persons": args.persons,
        "generate_nation_seconds": None if args.reuse else round(nation_seconds, 1),
        "workers": 2,
        "worker_peak_rss_mb": watch.peak_mb,
        "runs": runs,
        "screening_vs_scan_median": statistics.median(ratios),
        "screening_vs_scan_worst": max(ratios),
        "rows_per_second_median": round(
            rows / statistics.median(run["screening_seconds"] for run in runs)
        ),
        "same_hits_every_run": all(run_hits == hits[0] for run_hits in hits),
        "hits_by_rule": hits[-1],
        "recall_by_rule": recall,
        "incremental": incremental,
    }
    print(json.dumps(report, indent=2))
    passed = (
        report["same_hits_every_run"]
        and all(value == 1.0 for value in recall.values())
        and incremental["full_run_flags_filed"] == 0
        and all(value == 1.0 for value in incremental["recall_by_rule"].values())
    )
    return 0 if passed else 1


def _screen_once(env: dict[str, str], database: str) -> dict:
    """One full screening run from a clean flag table, with the scan measured just before
    it, so that both readings share the machine's state of the moment."""
    with psycopg.connect(database_url(database), autocommit=True) as conn:
        conn.execute("DELETE FROM risk_riskflag")
        scan_seconds = _best_scan_seconds(conn)
        # The same scan by one process, for comparison; the ratio uses the parallel one.
        conn.execute("SET max_parallel_workers_per_gather = 0")
        single_process_scan_seconds = _best_scan_seconds(conn)
    started = time.monotonic()
    summary = _screen_run(env, database)
    command_seconds = time.monotonic() - started
    screen_seconds = summary["seconds"]
    return {
        "sequential_scan_seconds": round(scan_seconds, 2),
        "single_process_scan_seconds": round(single_process_scan_seconds, 2),
        "screening_seconds": round(screen_seconds, 2),
        "screen_command_seconds": round(command_seconds, 2),
        "screening_vs_scan": round(screen_seconds / scan_seconds, 1),
        "flags_filed": summary["flags_filed"],
        "hits_by_rule": summary["hits"],
    }


def _screen_incremental(env: dict[str, str], database: str, persons: int, truth: Path) -> dict:
    """1 % more persons with new anomalies, an incremental run, then a full run as the
    baseline (which finds nothing the incremental run did not)."""
    added_truth = truth.with_name("bench-risk-truth-added.jsonl")
    with psycopg.connect(database_url(database)) as conn:
        # A seed of its own for each addition (a reused ledger has had some).
        (seed,) = conn.execute(
            "SELECT count(*) + 1 FROM contributions_contributionbatch "
            "WHERE source = 'generate_nation' AND province_id = '11'"
        ).fetchone()
    manage(env, "generate_nation", "--add", f"--persons={max(1, persons // 100)}",
           f"--seed={seed}", f"--anomalies={added_truth}")  # fmt: skip
    with psycopg.connect(database_url(database), autocommit=True) as conn:
        conn.execute("ANALYZE")
        added = conn.execute("SELECT count(*) FROM risk_screeningchange").fetchone()[0]
    incremental = _screen_run(env, database, "--incremental")
    full = _screen_run(env, database)
    return {
        "changes_noted": added,
        "scope": incremental["scope"],
        "incremental_seconds": incremental["seconds"],
        "full_run_seconds": full["seconds"],
        "incremental_vs_full": round(incremental["seconds"] / full["seconds"], 3),
        "incremental_flags_filed": incremental["flags_filed"],
        "full_run_flags_filed": full["flags_filed"],
        "recall_by_rule": _recall(added_truth, database),
    }


def _screen_run(env: dict[str, str], database: str, *args: str) -> dict:
    summary = json.loads(manage(env, "screen", "--wait", "--timeout=3600", *args).strip())
    with psycopg.connect(database_url(database)) as conn:
        (seconds,) = conn.execute(
            "SELECT extract(epoch FROM finished_at - created_at)::float "
            "FROM risk_screeningrun WHERE public_id = %s",
            (summary["run"],),
        ).fetchone()
    return {**summary, "seconds": round(seconds, 3)}


def _best_scan_seconds(conn: psycopg.Connection) -> float:
    """The fastest of three sequential scans of the contributions table: the strictest
    baseline, and steadier than one reading on a shared machine."""
    times = []
    for _ in range(3):
        started = time.monotonic()
        conn.execute("SELECT sum(base), count(*) FROM contributions_contributionrecord").fetchone()
        times.append(time.monotonic() - started)
    return min(times)


def _recall(truth_path: Path, database: str) -> dict[str, float]:
    truth = [json.loads(line) for line in truth_path.read_text(encoding="utf-8").splitlines()]
    with psycopg.connect(database_url(database)) as conn:
        flagged = set(
            conn.execute(
                "SELECT f.rule_id, coalesce(p.id_number, f.subject) FROM risk_riskflag f "
                "LEFT JOIN contributions_insuredperson p ON p.id = f.person_id"
            ).fetchall()
        )
    expected, found = defaultdict(int), defaultdict(int)
    for case in truth:
        key = case["id_number"] or f"province:{case['province']}"
        expected[case["rule"]] += 1
        found[case["rule"]] += (case["rule"], key) in flagged
    return {rule: round(found[rule] / expected[rule], 3) for rule in sorted(expected)}


if __name__ == "__main__":
    sys.exit(main())
