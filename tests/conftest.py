"""Fixtures shared by every test: the personas and a real Celery worker process."""

import os
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


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A separate `celery worker` process consuming from the real Redis, on the test database.

    Tests that use it must commit what the worker reads (`transaction=True`).
    """
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = dict(os.environ, DATABASE_URL=_database_url(connection.settings_dict))
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--hostname", name,
         "--concurrency", "2", "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while not celery_app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start (exit code {process.poll()})")
    yield {"name": name, "pid": process.pid}
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
