"""Benchmark: contribution records in one table against hash partitions by person.

    python -m tests.bench.partitions --database portal_bench_nation

On a generated nation (tests.bench.risk leaves one): the nation's contribution rows are
loaded by COPY into two empty copies of the table, each with the ledger's keys and
indexes: one table, and one hash-partitioned by `person_id` (--partitions). Then on
each, the work the ledger does: loading (rows/s), a person's record (the months of 2,000
persons, one query each: mean ms), and a screening pass (RK-02's first step, persons with
more records than months, over slices of 6,250 persons: s). Prints the figures and the
ratios partitioned ÷ single. The copies are dropped at the end.
"""

import argparse
import json
import random
import sys
import time

import psycopg

from tests.bench.common import ROOT, database_url

COLUMNS = (
    "id, person_id, province_id, employer_id, scheme, month, base, pooling_part, account_part,"
    " kind, is_temporary_account, paid_on, batch_id, batch_row, reversal_of_id, reason, posted_at"
)
# The ledger's indexes on the table (contributions.models.ContributionRecord.Meta).
INDEXES = [
    "(person_id, month)",
    "(province_id, month, base)",
    "(province_id) INCLUDE (account_part)",
    "(batch_id)",
    "(employer_id)",
]
SLICE = 6_250


def _create(conn: psycopg.Connection, name: str, partitions: int) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    like = "(LIKE contributions_contributionrecord INCLUDING DEFAULTS)"
    if partitions:
        conn.execute(f"CREATE TABLE {name} {like} PARTITION BY HASH (person_id)")
        for remainder in range(partitions):
            conn.execute(
                f"CREATE TABLE {name}_{remainder} PARTITION OF {name} "
                f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
            )
    else:
        conn.execute(f"CREATE TABLE {name} {like}")
    conn.execute(f"ALTER TABLE {name} ADD PRIMARY KEY (id, person_id)")
    for number, columns in enumerate(INDEXES):
        conn.execute(f"CREATE INDEX {name}_idx{number} ON {name} {columns}")


def _load(conn: psycopg.Connection, name: str, dump: str) -> float:
    started = time.monotonic()
    with (
        open(dump, "rb") as rows,
        conn.cursor() as cursor,
        cursor.copy(f"COPY {name} ({COLUMNS}) FROM STDIN") as copy,
    ):
        while data := rows.read(1 << 20):
            copy.write(data)
    conn.commit()
    seconds = time.monotonic() - started
    conn.autocommit = True
    conn.execute(f"VACUUM ANALYZE {name}")
    conn.autocommit = False
    return seconds


def _records(conn: psycopg.Connection, name: str, persons: list[int]) -> float:
    started = time.monotonic()
    for person in persons:
        conn.execute(
            f"SELECT month, province_id, base, account_part FROM {name} "
            "WHERE person_id = %s ORDER BY month",
            (person,),
        ).fetchall()
    return (time.monotonic() - started) / len(persons) * 1000


def _screening_pass(conn: psycopg.Connection, name: str, first: int, last: int) -> float:
    started = time.monotonic()
    for low in range(first, last + 1, SLICE):
        conn.execute(
            f"SELECT person_id FROM {name} WHERE person_id BETWEEN %s AND %s "
            "GROUP BY person_id HAVING count(*) > count(DISTINCT month)",
            (low, low + SLICE - 1),
        ).fetchall()
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="portal_bench_nation")
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    dump = ROOT / "var" / "bench-partitions.copy"
    dump.parent.mkdir(exist_ok=True)
    with psycopg.connect(database_url(args.database)) as conn:
        with (
            open(dump, "wb") as out,
            conn.cursor().copy(
                f"COPY (SELECT {COLUMNS} FROM contributions_contributionrecord) TO STDOUT"
            ) as copy,
        ):
            for data in copy:
                out.write(data)
        first, last = conn.execute(
            "SELECT min(id), max(id) FROM contributions_insuredperson"
        ).fetchone()
        rows = conn.execute("SELECT count(*) FROM contributions_contributionrecord").fetchone()[0]
        sample = random.Random(1).sample(range(first, last + 1), min(2_000, last - first + 1))
        figures = {}
        try:
            for name, partitions in (("bench_single", 0), ("bench_hashed", args.partitions)):
                _create(conn, name, partitions)
                conn.commit()
                load_seconds = _load(conn, name, str(dump))
                _records(conn, name, sample[:200])  # the cache warmed alike for both
                figures[name] = {
                    "load_rows_per_s": round(rows / load_seconds),
                    "record_query_ms": round(_records(conn, name, sample), 3),
                    "screening_pass_seconds": round(_screening_pass(conn, name, first, last), 2),
                }
        finally:
            conn.rollback()
            conn.execute("DROP TABLE IF EXISTS bench_single, bench_hashed")
            conn.commit()
            dump.unlink(missing_ok=True)
    single, hashed = figures["bench_single"], figures["bench_hashed"]
    print(
        json.dumps(
            {
                "contribution_rows": rows,
                "partitions": args.partitions,
                "single": single,
                "hashed": hashed,
                "load_hashed_vs_single": round(
                    hashed["load_rows_per_s"] / single["load_rows_per_s"], 3
                ),
                "record_hashed_vs_single": round(
                    hashed["record_query_ms"] / single["record_query_ms"], 3
                ),
                "screening_hashed_vs_single": round(
                    hashed["screening_pass_seconds"] / single["screening_pass_seconds"], 3
                ),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
