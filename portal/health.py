"""Liveness and readiness probes for the orchestrator and for `make run`."""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

CELERY_PING_TIMEOUT_SECONDS = 1.0


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _celery() -> str:
    replies = celery_app.control.ping(timeout=CELERY_PING_TIMEOUT_SECONDS)
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) > 1 else ''})"


READINESS_CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "redis": _redis,
    "celery": _celery,
}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """PostgreSQL, Redis and at least one Celery worker answer; 503 naming what does not."""
    checks: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001  (any failure means "not ready"; say which)
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            checks[name] = f"error: {type(exc).__name__}: {exc}"
    ready = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
