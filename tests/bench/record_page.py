"""Benchmark: the person's record page (/me/record/) under 16 concurrent clients, beside a
trivial Django view.

    make bench-record   (python -m portal.devstack exec -- python -m tests.bench.record_page)

For each size (--persons, by default 10,000 and 100,000 persons: about 1M and 10M
contribution rows), in a database of its own: generate_nation (with every past year's
interest), then signed-in sessions for 500 persons with 20 years of history or more,
gunicorn with three workers (production's default) and production settings, and wrk
(Debian's package) with 16 connections for --seconds against /me/record/ (each request with
the next session) and against /healthz with the same sessions. Each person's page is opened
once beforehand, as a person would have. Prints requests per second, p50 and p99 of both,
and their ratio.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time

import psycopg

from tests.bench.common import ROOT, MemoryWatch, database_url, manage, wait_for_port

DATABASE = "portal_bench_record"
PERSONS_SIGNED_IN = 500
CONNECTIONS = 16

SESSIONS_CODE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
from django.conf import settings
from accounts.models import User
from contributions.models import InsuredPerson
for person in InsuredPerson.objects.filter(pk__in=[{ids}]):
    user = getattr(person, "user", None) or User.objects.create_user(
        username=person.id_number, insured_person=person
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.UserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print("SESSION", session.session_key)
"""

WRK_SCRIPT = """
local sessions = {{{sessions}}}
local i = math.random(#sessions)
request = function()
  i = i % #sessions + 1
  return wrk.format("GET", nil, {{["Cookie"] = "sessionid=" .. sessions[i]}})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status))
end
"""


def _serve_env(url: str, secret_key: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=url,
        PORTAL_ENVIRONMENT="production",
        SECRET_KEY=secret_key,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )


def _load(port: int, path: str, script: str, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script,
         f"http://127.0.0.1:{port}{path}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    requests, duration_us, p50_us, p99_us, errors = map(
        int, re.search(r"^RESULT (.*)$", out, re.MULTILINE)[1].split()
    )
    return {
        "req_per_s": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(p50_us / 1000, 2),
        "p99_ms": round(p99_us / 1000, 2),
        "non_2xx": errors,
    }


def _measure(
    persons: int, seconds: int, port: int, workers: int, threads: int, database: str | None
) -> dict:
    """Generate a nation of `persons` in a database of its own, or with `database` use the
    nation already there, and measure."""
    generate = database is None
    if generate:
        database = DATABASE
        with psycopg.connect(database_url("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
    url = database_url(database)
    # One secret key for both: a session's authentication hash is signed with it.
    secret_key = secrets.token_urlsafe(50)
    build = dict(
        os.environ, DATABASE_URL=url, PORTAL_ENVIRONMENT="development", SECRET_KEY=secret_key
    )
    manage(build, "migrate", "--noinput")
    started = time.monotonic()
    if generate:
        manage(build, "generate_nation", f"--persons={persons}", "--seed=1")
    generated = time.monotonic() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")  # the generated rows written out before the clock runs
        rows = conn.execute("SELECT count(*) FROM contributions_contributionrecord").fetchone()[0]
        chosen = [
            person
            for (person,) in conn.execute(
                "SELECT person_id FROM contributions_contributionrecord GROUP BY person_id"
                " HAVING count(DISTINCT month) >= 240 ORDER BY person_id LIMIT %s",
                [PERSONS_SIGNED_IN],
            )
        ]
    out = manage(build, "shell", "-c", SESSIONS_CODE.format(ids=",".join(map(str, chosen))))
    sessions = re.findall(r"^SESSION (\w+)$", out, re.MULTILINE)
    serve = _serve_env(url, secret_key)
    manage(serve, "collectstatic", "--noinput")  # production serves the hashed files
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)],
        cwd=ROOT, env=serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        for session in sessions:  # each person has opened their page once
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/me/record/", headers={"Cookie": f"sessionid={session}"})
            response = conn.getresponse()
            if response.status != 200:
                raise RuntimeError(
                    f"/me/record/ answered {response.status}: {response.read()[:300]!r}"
                )
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT.format(sessions=",".join(f'"{s}"' for s in sessions)))
        with MemoryWatch(server.pid) as watch:
            record = _load(port, "/me/record/", script.name, seconds)
            trivial = _load(port, "/healthz", script.name, seconds)
    finally:
        server.terminate()
        server.wait(30)
    return {
        "contribution_rows": rows,
        "generate_seconds": round(generated, 1),
        "persons_signed_in": len(sessions),
        "web": f"gunicorn, {workers} workers x {threads} threads",
        "record_page": record,
        "trivial_view": trivial,
        "record_vs_trivial_req_per_s": round(record["req_per_s"] / trivial["req_per_s"], 3),
        "web_worker_peak_rss_mb": watch.peak_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument(
        "--workers", type=int, default=3, help="Gunicorn worker processes (production: 3)."
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="Threads per gunicorn worker (above 1: gthread)."
    )
    parser.add_argument(
        "--database", help="Measure on the nation already in this database (no generation)."
    )
    args = parser.parse_args()
    for persons in args.persons:  # each size's figures as soon as they are measured
        print(
            json.dumps(
                _measure(
                    persons, args.seconds, args.port, args.workers, args.threads, args.database
                ),
                indent=2,
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
