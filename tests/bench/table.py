"""Every benchmark of the project side by side, each beside its baseline measured in the
same run, written as one table.

    make bench   (python -m portal.devstack exec -- python -m tests.bench.table)

For each size (--persons, by default 10,000 and 100,000 persons: about 1M and 10M
contribution rows): a synthetic nation with planted anomalies in one database, screened in
full (tests.bench.risk; baseline: one sequential scan) and, after 1 % more rows, screened
incrementally (baseline: a full run of the same ledger); its rows loaded into hash
partitions by person and into one table (tests.bench.partitions); then its record page
under 16 clients (tests.bench.record_page; baseline: a trivial Django view); and half a
million more rows ingested into it through the API (tests.bench.ingest; baseline: raw
COPY of the same rows into the same table). Once: the bulk
move of an employer with 5,000 active enrolments and 500 transfers taken through every step
(tests.bench.employer_move; baseline: posting as many rows). Writes
bench/results/YYYY-MM-DD.md (a row per figure: size, value, baseline, ratio, target, and
peak resident memory of the web or worker processes; the machine above), an SVG plot of
each figure against size beside it, and the figures as YYYY-MM-DD.json (`--render` writes
the table and plots from such a file again).
"""

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg

from tests.bench.common import ROOT, database_url, last_json

NATION = "portal_bench_nation"
TODAY = datetime.datetime.now(datetime.UTC).date()
RESULTS = ROOT / "bench" / "results"
# 2 provinces × 22 months: 501,600 rows ingested into the nation at each size.
INGEST_PERSONS_PER_PROVINCE = 11_400


@dataclass(frozen=True)
class Figure:
    """One row of the table."""

    name: str  # ingest, screening, record page, bulk move, transfer
    size: int  # contribution rows in the ledger measured
    what: str
    value: float
    baseline_what: str
    baseline: float
    ratio: float
    target: str
    met: bool
    note: str = ""
    peak_rss_mb: float | None = None
    missed_by: str = ""  # how far from the target, when it is missed


def _by(label: str, value: float, limit: float, *, at_most: bool = True) -> str:
    """How far `value` is past `limit`, as a share of the limit; empty when within it."""
    over = (value - limit if at_most else limit - value) / limit
    if over <= 0:
        return ""
    return f"{label} by {over:.1%}" if over < 0.1 else f"{label} by {over:.0%}"


def _missed(*shortfalls: str) -> str:
    return "; ".join(filter(None, shortfalls))


def _run(module: str, *args: str) -> dict:
    started = time.monotonic()
    print(f"… {module} {' '.join(args)}", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{module} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return last_json(done.stdout)


def _size(persons: int) -> list[Figure]:
    risk = _run("tests.bench.risk", f"--persons={persons}", "--runs=2", f"--database={NATION}")
    rows = risk["contribution_rows"]
    screening = statistics.median(run["screening_seconds"] for run in risk["runs"])
    scan = statistics.median(run["sequential_scan_seconds"] for run in risk["runs"])
    recall = min(risk["recall_by_rule"].values())
    missed = _missed(_by("ratio", screening / scan, 6), _by("recall", recall, 1, at_most=False))
    figures = [
        Figure(
            "screening", rows, "full run (s)", screening, "sequential scan (s)", scan,
            round(screening / scan, 1), "≤ 6× the scan, recall 100 %", not missed,
            f"lowest recall {recall:.0%}", risk["worker_peak_rss_mb"], missed,
        )
    ]  # fmt: skip
    incremental = risk["incremental"]
    same_flags = incremental["full_run_flags_filed"] == 0
    added_recall = min(incremental["recall_by_rule"].values())
    missed = _missed(
        _by("ratio", incremental["incremental_vs_full"], 0.05),
        "" if same_flags else "not the same flags",
        _by("recall", added_recall, 1, at_most=False),
    )
    figures.append(
        Figure(
            "incremental screening", rows, "run after 1 % new rows (s)",
            incremental["incremental_seconds"], "full run of the same ledger (s)",
            incremental["full_run_seconds"], incremental["incremental_vs_full"],
            "≤ 5 % of a full run, same flags", not missed,
            f"{incremental['changes_noted']:,} changes noted; the full run filed "
            f"{incremental['full_run_flags_filed']} more flags; new anomalies' recall "
            f"{added_recall:.0%}",
            risk["worker_peak_rss_mb"], missed,
        )
    )  # fmt: skip
    hashed = _run("tests.bench.partitions", f"--database={NATION}")
    single_figures, hashed_figures = hashed["single"], hashed["hashed"]
    for name, what, key, ratio_key, kind in (
        ("partitioned load", "load (rows/s)", "load_rows_per_s", "load_hashed_vs_single",
         "rate"),
        ("partitioned record", "a person's records (ms)", "record_query_ms",
         "record_hashed_vs_single", "time"),
        ("partitioned screening", "screening pass (s)", "screening_pass_seconds",
         "screening_hashed_vs_single", "time"),
    ):  # fmt: skip
        ratio = hashed[ratio_key]
        missed = _by("ratio", ratio, 1, at_most=kind == "time")
        figures.append(
            Figure(
                name, rows, f"{hashed['partitions']} partitions: {what}",
                hashed_figures[key], f"one table: {what}", single_figures[key], ratio,
                "costs nothing (≥ 1 for a rate, ≤ 1 for a time)", not missed,
                missed_by=missed,
            )
        )  # fmt: skip
    page = _run("tests.bench.record_page", f"--persons={persons}", f"--database={NATION}")
    record, trivial = page["record_page"], page["trivial_view"]
    ratio = page["record_vs_trivial_req_per_s"]
    missed = _missed(_by("ratio", ratio, 0.5, at_most=False), _by("p99", record["p99_ms"], 30))
    figures.append(
        Figure(
            "record page", rows, "req/s", record["req_per_s"], "trivial view (req/s)",
            trivial["req_per_s"], ratio, "≥ 0.5 of the trivial view, p99 < 30 ms", not missed,
            f"p50 {record['p50_ms']} ms, p99 {record['p99_ms']} ms; trivial view p99 "
            f"{trivial['p99_ms']} ms", page["web_worker_peak_rss_mb"], missed,
        )
    )  # fmt: skip
    ingest = _run(
        "tests.bench.ingest", f"--persons={INGEST_PERSONS_PER_PROVINCE}", f"--database={NATION}"
    )
    missed = _by("ratio", ingest["api_vs_copy"], 0.5, at_most=False)
    figures.append(
        Figure(
            "ingest", ingest["ledger_rows_before"], "API (rows/s)", ingest["api_rows_per_s"],
            "COPY (rows/s)", ingest["copy_rows_per_s"], ingest["api_vs_copy"], "≥ 0.5 of COPY",
            not missed, f"{ingest['api_seconds']} s for {ingest['rows']:,} more rows",
            ingest["web_worker_peak_rss_mb"], missed,
        )
    )  # fmt: skip
    return figures


def _moves() -> list[Figure]:
    move = _run("tests.bench.employer_move")
    rows = move["staff"] * 13
    missed = _by("time", move["move_across_provinces_seconds"], 5)
    return [
        Figure(
            "bulk move", rows, "employer with 5,000 staff to another province (s)",
            move["move_across_provinces_seconds"], "posting 5,000 rows (s)",
            move["post_rows_seconds"], move["move_across_provinces_vs_posting"], "< 5 s",
            not missed, f"within the province {move['move_within_province_seconds']} s",
            missed_by=missed,
        ),
        Figure(
            "transfer", rows, f"{move['transfers_completed']} transfers end to end (s)",
            move["transfers_end_to_end_seconds"],
            f"posting the {move['transfer_rows_moved']:,} rows they move (s)",
            move["posting_moved_rows_seconds"], move["transfers_vs_posting"], "none set", True,
        ),
    ]  # fmt: skip


def _machine() -> str:
    with psycopg.connect(database_url("postgres")) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB memory, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL {server}"
    )


def _svg(name: str, figures: list[Figure]) -> str:
    """The figure and its baseline against the ledger's size, as a small line chart."""
    points = sorted(figures, key=lambda f: f.size)
    top = max(max(f.value, f.baseline) for f in points) or 1
    sizes = [f.size for f in points]
    low, high = min(sizes), max(sizes)

    def x(size: int) -> float:
        return 60 + (0 if high == low else (size - low) / (high - low) * 300)

    def y(value: float) -> float:
        return 170 - value / top * 140

    lines = []
    for label, attr, colour in (("value", "value", "#1f5fa8"), ("baseline", "baseline", "#888")):
        path = " ".join(f"{x(f.size):.1f},{y(getattr(f, attr)):.1f}" for f in points)
        lines.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lines += [
            f'<circle cx="{x(f.size):.1f}" cy="{y(getattr(f, attr)):.1f}" r="3" fill="{colour}">'
            f"<title>{label} {getattr(f, attr):,} at {f.size:,} rows</title></circle>"
            for f in points
        ]
    ticks = "".join(
        f'<text x="{x(f.size):.1f}" y="190" text-anchor="middle">{f.size / 1e6:.1f}M</text>'
        for f in points
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="220" '
        'font-family="sans-serif" font-size="11" role="img">'
        f"<title>{name}: {points[0].what} (blue) and {points[0].baseline_what} (grey) "
        "against contribution rows</title>"
        f'<text x="10" y="16" font-weight="bold">{name}: {points[0].what}</text>'
        '<line x1="60" y1="170" x2="370" y2="170" stroke="#000"/>'
        f'<text x="10" y="34">{top:,.0f}</text>{"".join(lines)}{ticks}'
        '<text x="215" y="210" text-anchor="middle">contribution rows in the ledger</text></svg>'
    )


def _table(figures: list[Figure], machine: str, minutes: float) -> str:
    lines = [
        f"# Benchmarks, {TODAY:%Y-%m-%d}",
        "",
        f"Machine: {machine}. `make bench` took {minutes:.0f} minutes.",
        "",
        "| figure | ledger rows | value | baseline | ratio | target | met | detail "
        "| peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        rss = "" if f.peak_rss_mb is None else f"{f.peak_rss_mb:,.0f}"
        lines.append(
            f"| {f.name} | {f.size:,} | {_number(f.value)} {f.what} | {_number(f.baseline)} "
            f"{f.baseline_what} | {f.ratio} | {f.target} | {_met(f)} "
            f"| {f.note} | {rss} |"
        )
    lines += [
        "",
        "Growth with the ledger (value at the largest size ÷ value at the smallest; for a "
        "time, linear growth is the ratio of the sizes, for a rate flat is 1):",
        "",
    ]
    for name in dict.fromkeys(f.name for f in figures):
        sized = sorted((f for f in figures if f.name == name), key=lambda f: f.size)
        if len(sized) > 1:
            first, last = sized[0], sized[-1]
            lines.append(
                f"- {name}: {last.value / first.value:.2f} for {last.size / first.size:.1f}× "
                f"the rows (baseline {last.baseline / first.baseline:.2f})"
            )
    lines += ["", "Plots: " + ", ".join(f"[{n}]({_slug(n)})" for n in _plotted(figures)), ""]
    return "\n".join(lines)


def _met(figure: Figure) -> str:
    if figure.met:
        return "yes"
    return f"**no**: missed, {figure.missed_by}" if figure.missed_by else "**no**"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.3g}"


def _slug(name: str) -> str:
    return f"{TODAY:%Y-%m-%d}-{name.replace(' ', '-')}.svg"


def _plotted(figures: list[Figure]) -> list[str]:
    names = [f.name for f in figures]
    return [name for name in dict.fromkeys(names) if names.count(name) > 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--render", metavar="JSON", help="Write the table and plots of figures measured before."
    )
    args = parser.parse_args()
    raw = RESULTS / f"{TODAY:%Y-%m-%d}.json"
    if args.render:
        measured = json.loads(Path(args.render).read_text(encoding="utf-8"))
        figures = [Figure(**figure) for figure in measured["figures"]]
        machine, minutes = measured["machine"], measured["minutes"]
    else:
        started = time.monotonic()
        figures = [figure for persons in args.persons for figure in _size(persons)]
        figures += _moves()
        machine, minutes = _machine(), (time.monotonic() - started) / 60
        RESULTS.mkdir(parents=True, exist_ok=True)
        raw.write_text(
            json.dumps(
                {"machine": machine, "minutes": round(minutes, 1),
                 "figures": [dataclasses.asdict(f) for f in figures]},
                ensure_ascii=False, indent=1,
            ),
            encoding="utf-8",
        )  # fmt: skip
    for name in _plotted(figures):
        (RESULTS / _slug(name)).write_text(_svg(name, [f for f in figures if f.name == name]))
    table = _table(figures, machine, minutes)
    (RESULTS / f"{TODAY:%Y-%m-%d}.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
