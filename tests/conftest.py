"""Fixtures shared by every test: the personas and a real Celery worker process."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.db import connection

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
WORKER_START_TIMEOUT = 60


def _database_url(settings_dict: dict) -> str:
    host = urllib.parse.quote(settings_dict["HOST"] or "localhost", safe="")
    user = urllib.parse.quote(settings_dict["USER"] or "", safe="")
    password = urllib.parse.quote(settings_dict["PASSWORD"] or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


def start_worker(name: str, *, queue: str = "celery", concurrency: int = 2, **env: str):
    """Start `celery worker` in a process group of its own; return it once it answers."""
    env.setdefault("CELERY_TASK_DEFAULT_QUEUE", queue)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--hostname", name,
         "--queues", queue, "--concurrency", str(concurrency), "--loglevel", "WARNING",
         "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=_database_url(connection.settings_dict), **env),
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while not celery_app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            pytest.fail(f"the Celery worker did not start (exit code {process.poll()})")
    return process


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A separate `celery worker` process consuming from the real Redis, on the test database.

    Tests that use it must commit what the worker reads (`transaction=True`).
    """
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    process = start_worker(name)
    yield {"name": name, "pid": process.pid}
    stop_worker(process)


@pytest.fixture
def own_queue():
    """Send this test's tasks to a queue no other worker of the session consumes."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    _forget_routing()
    yield queue
    celery_app.conf.task_default_queue = previous
    _forget_routing()


def _forget_routing() -> None:
    # Celery caches the queue table and router built from the configuration.
    for name in ("queues", "default_queue", "router"):
        celery_app.amqp.__dict__.pop(name, None)
