"""What the benchmarks share: a database of their own on the configured server,
manage.py in a subprocess, and waiting for a web server."""

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def database_url(database: str) -> str:
    """DATABASE_URL (or the local server) with another database name."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(base)._replace(path=f"/{database}"))


def manage(env: dict[str, str], *args: str) -> str:
    """Run manage.py with `env`; return its standard output."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def wait_for_port(port: int) -> None:
    """Wait until a web server answers on `port` (at most a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the web server did not start")
