"""Benchmark: contributions ingested through the HTTP API against raw COPY, in one run.

    make bench-ingest   (python -m portal.devstack exec -- python -m tests.bench.ingest)

By default into a database of its own on the configured server (dropped and recreated);
with --database, into that existing ledger (a generated nation), so the rate is measured
against a table that already holds its rows. 1,012,000 flexible-employment rows for
46,000 new persons in Beijing and Shanghai, 22 months each:
1. raw COPY of exactly those rows (amounts precomputed) into the contributions table, in
   a transaction then rolled back, so the table is as before;
2. the same rows POSTed to /api/v1/contributions/batches/ in batches of 10,000 by two
   client threads (one per province), to gunicorn with two workers, with full
   validation, idempotency, suspense and journal posting.
Prints rows/s of both, the ratio, the ledger's rows before, and the peak resident memory
of the web workers.
"""

import argparse
import datetime
import http.client
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import psycopg

from tests.bench.common import ROOT, MemoryWatch, database_url, manage, wait_for_port

PROVINCES = {"11": "110101", "31": "310101"}
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 11)]
BATCH_ROWS = 10_000
WEB_WORKERS = 2


def _env(database_url: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        PORTAL_ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        API_RATE_CLIENT="100000/min",
    )


def _persons(persons_per_province: int, taken: set[str]) -> list[tuple[str, str]]:
    """(id number, province) for every person, with valid check digits, none of them
    among the `taken` ID numbers."""
    from synthetic.nation import id_check_digit

    people = []
    for province, county in PROVINCES.items():
        i = 0
        for _ in range(persons_per_province):
            while True:
                birth = time.strftime("%Y%m%d", time.gmtime(86400 * (365 * 5 + i // 500)))
                body = f"{county}{birth}{i % 500 + 100:03d}"
                i += 1
                if (id_number := body + id_check_digit(body)) not in taken:
                    break
            people.append((id_number, province))
    return people


def _base(i: int) -> Decimal:
    return Decimal(9000 + (i * 37) % 20000)


def _batches(people: list[tuple[str, str]]) -> dict[str, list[bytes]]:
    """Request bodies per province, each of BATCH_ROWS rows (encoded as they fill, so a
    ten-million-row run holds bytes, not dictionaries)."""
    bodies: dict[str, list[bytes]] = {province: [] for province in PROVINCES}
    pending: dict[str, list[dict]] = {province: [] for province in PROVINCES}
    for i, (id_number, province) in enumerate(people):
        base = str(_base(i))
        for month in MONTHS:
            chunk = pending[province]
            chunk.append(
                {"id_number": id_number, "month": month, "scheme": "flexible",
                 "wage_or_base": base}
            )  # fmt: skip
            if len(chunk) == BATCH_ROWS:
                bodies[province].append(json.dumps({"rows": chunk}).encode())
                chunk.clear()
    for province, chunk in pending.items():
        if chunk:
            bodies[province].append(json.dumps({"rows": chunk}).encode())
    return bodies


def _copy_rows(conn: psycopg.Connection, people: list[tuple[str, str]]) -> tuple[int, float]:
    """COPY the same rows, amounts computed beforehand, and roll them back; returns
    (rows, seconds)."""
    from contributions.rules import round_fen

    ids = dict(
        conn.execute(
            "SELECT id_number, id FROM contributions_insuredperson WHERE id_number = ANY(%s)",
            ([id_number for id_number, _ in people],),
        ).fetchall()
    )
    lines = []
    for i, (id_number, province) in enumerate(people):
        base = _base(i)
        pooling, account = round_fen(base * Decimal("0.12")), round_fen(base * Decimal("0.08"))
        for month in MONTHS:
            lines.append(
                f"{ids[id_number]}\t{province}\tflexible\t{month}-01\t{base}\t{pooling}\t"
                f"{account}\tregular\tf\t\tnow\n"
            )
    # The deferred foreign-key checks run at the end of the COPY, as they would at commit.
    conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    started = time.monotonic()
    with (
        conn.cursor() as cursor,
        cursor.copy(
            "COPY contributions_contributionrecord (person_id, province_id, scheme, month, base,"
            " pooling_part, account_part, kind, is_temporary_account, reason, posted_at) FROM STDIN"
        ) as copy,
    ):
        for start in range(0, len(lines), BATCH_ROWS):
            copy.write("".join(lines[start : start + BATCH_ROWS]))
    seconds = time.monotonic() - started
    conn.rollback()
    return len(lines), seconds


def _register_persons(conn: psycopg.Connection, people: list[tuple[str, str]]) -> None:
    from contributions.rules import check_id_number

    today = datetime.date.today()  # noqa: DTZ011  (a birth date's plausibility only)

    with (
        conn.cursor() as cursor,
        cursor.copy(
            "COPY contributions_insuredperson (id_number, name, birth_date, sex, hukou_province_id,"
            " retirement_category, status, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for id_number, province in people:
            check = check_id_number(id_number, today=today)
            category = "M60" if check.sex == "M" else "F55"
            copy.write_row(
                (id_number, "测试", check.birth_date, check.sex, province, category,
                 "active", "now", "now")
            )  # fmt: skip
    conn.commit()


def _post_all(port: int, key: str, bodies: list[bytes], failures: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for body in bodies:
        conn.request(
            "POST",
            "/api/v1/contributions/batches/",
            body=body,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        response = conn.getresponse()
        answer = response.read()
        if response.status != 201:
            failures.append(f"{response.status}: {answer[:300]!r}")
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=23_000, help="per province")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--database", help="An existing ledger to ingest into.")
    args = parser.parse_args()
    database = args.database or "portal_bench_ingest"
    if not args.database:
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
    env = _env(database_url(database))
    manage(env, "migrate", "--noinput")
    client_name = f"bench-{uuid.uuid4().hex[:8]}"
    keys = {
        province: manage(env, "create_api_client", "--province", province, "--name", client_name)
        .strip()
        .splitlines()[-1]
        for province in PROVINCES
    }
    with psycopg.connect(database_url(database)) as conn:
        taken = {
            row[0] for row in conn.execute("SELECT id_number FROM contributions_insuredperson")
        }
        ledger_rows = conn.execute(
            "SELECT count(*) FROM contributions_contributionrecord"
        ).fetchone()[0]
        people = _persons(args.persons, taken)
        _register_persons(conn, people)
        copied, copy_seconds = _copy_rows(conn, people)
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE contributions_contributionrecord")
    bodies = _batches(people)

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind",
         f"127.0.0.1:{args.port}", "--workers", str(WEB_WORKERS), "--timeout", "600"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for_port(args.port)
        watch = MemoryWatch(server.pid)
        watch.start()
        failures: list[str] = []
        threads = [
            threading.Thread(target=_post_all, args=(args.port, keys[p], bodies[p], failures))
            for p in PROVINCES
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        api_seconds = time.monotonic() - started
        watch.stopped.set()
    finally:
        server.terminate()
        server.wait(30)
    if failures:
        print("API ingest failed:", *failures, sep="\n")
        return 1
    with psycopg.connect(database_url(database)) as conn:
        posted = (
            conn.execute("SELECT count(*) FROM contributions_contributionrecord").fetchone()[0]
            - ledger_rows
        )
    summary = {
        "ledger_rows_before": ledger_rows,
        "rows": copied,
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_s": round(copied / copy_seconds),
        "api_seconds": round(api_seconds, 2),
        "api_rows_per_s": round(posted / api_seconds),
        "api_vs_copy": round((posted / api_seconds) / (copied / copy_seconds), 3),
        "api_rows_posted": posted,
        "batch_rows": BATCH_ROWS,
        "web_workers": WEB_WORKERS,
        "web_worker_peak_rss_mb": watch.peak_mb,
    }
    print(json.dumps(summary, indent=2))
    return 0 if posted == copied else 1


if __name__ == "__main__":
    sys.exit(main())
