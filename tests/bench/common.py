"""What the benchmarks share: a database of their own on the configured server, and
manage.py in a subprocess."""

import os
import subprocess
import sys
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
