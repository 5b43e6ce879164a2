"""Fixtures shared by every test: the personas (two provincial systems, caseworkers, an
insured person) and real Celery worker processes."""

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
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_client_create
from contributions import services
from portal.celery import app as celery_app
from tests.browser import chromium

ROOT = Path(__file__).resolve().parent.parent
WORKER_START_TIMEOUT = 60


def _database_url(settings_dict: dict) -> str:
    host = urllib.parse.quote(settings_dict["HOST"] or "localhost", safe="")
    user = urllib.parse.quote(settings_dict["USER"] or "", safe="")
    password = urllib.parse.quote(settings_dict["PASSWORD"] or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


QUEUE_VARIABLES = ("CELERY_TASK_DEFAULT_QUEUE", "CELERY_ACCOUNTING_QUEUE", "CELERY_SCREENING_QUEUE")


def start_worker(
    name: str,
    *,
    queue: str | None = None,
    consumes: list[str] | None = None,
    concurrency: int = 2,
    **env: str,
):
    """Start `celery worker` in a process group of its own; return it once it answers.

    It consumes every configured queue; with `queue`, every workload queue is that one
    unless `env` names another, and it consumes them (or only the queues in `consumes`).
    """
    queues = []
    if queue is not None:
        for variable in QUEUE_VARIABLES:
            env.setdefault(variable, queue)
        consumes = consumes or list(dict.fromkeys(env[v] for v in QUEUE_VARIABLES))
    if consumes:
        queues = ["--queues", ",".join(consumes)]
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--hostname", name,
         *queues, "--concurrency", str(concurrency), "--loglevel", "WARNING",
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
    previous = celery_app.conf.task_default_queue, celery_app.conf.task_routes
    celery_app.conf.task_default_queue, celery_app.conf.task_routes = queue, {}
    _forget_routing()
    yield queue
    celery_app.conf.task_default_queue, celery_app.conf.task_routes = previous
    _forget_routing()


def _forget_routing() -> None:
    # Celery caches the queue table and router built from the configuration.
    for name in ("queues", "default_queue", "router"):
        celery_app.amqp.__dict__.pop(name, None)
    celery_app.amqp.flush_routes()


# --- Personas ------------------------------------------------------------------------

LI = "110101199003071233"  # hukou Henan, works in Shanghai
SH_UNIT = "91110108MA01X9K31G"


@pytest.fixture
def browser():
    """Headless Chromium (tests.browser); mark the test `needs_chromium`."""
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _client_with_key(province: str) -> APIClient:
    _, key = api_client_create(province=province, name=f"system-{province}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def shanghai_system(db) -> APIClient:
    return _client_with_key("31")


@pytest.fixture
def guangdong_system(db) -> APIClient:
    return _client_with_key("44")


@pytest.fixture
def caseworkers(db):
    call_command("seed_demo")


def _session(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture
def shanghai_caseworker(caseworkers) -> APIClient:
    return _session("shanghai")


@pytest.fixture
def national_caseworker(caseworkers) -> APIClient:
    return _session("national")


@pytest.fixture
def li(db):
    """An insured person enrolled in Shanghai with a Shanghai employer."""
    person, _ = services.person_upsert(id_number=LI, name="李强", hukou_province="41")
    employer, _ = services.employer_register(uscc=SH_UNIT, name="上海示例有限公司", province="31")
    services.enrolment_open(
        person=person,
        province="31",
        scheme="employee",
        employer=employer,
        start_month=services.rules.Month(2024, 1),
    )
    return person


@pytest.fixture
def li_signed_in(li) -> APIClient:
    user = User.objects.create_user(username="li", password="x", insured_person=li)  # noqa: S106
    client = APIClient()
    client.force_authenticate(user)
    return client
