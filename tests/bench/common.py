"""What the benchmarks share: a database of their own on the configured server,
manage.py in a subprocess, waiting for a web server, and watching processes' memory."""

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

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


class MemoryWatch(threading.Thread):
    """Samples the resident memory of processes (a server's or a worker's, with their
    children) until stopped; `peak_mb` is the largest single process seen."""

    def __init__(self, *pids: int) -> None:
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            for process in self.processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    for each in [process, *process.children(recursive=True)]:
                        self.peak = max(self.peak, each.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)

    def __enter__(self) -> "MemoryWatch":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.join()


def last_json(output: str) -> dict:
    """The JSON object a benchmark printed last (each prints its figures as one)."""
    start = output.rindex("\n{") + 1 if "\n{" in output else output.index("{")
    return json.loads(output[start:])
