"""Tasks of the project itself: liveness of the worker fleet."""

import os
import socket

from celery import shared_task
from django.core.cache import cache


@shared_task
def heartbeat() -> str:
    """Record that a worker ran a scheduled task (cache key `worker-heartbeat`), for
    operators; /readyz pings the workers instead."""
    stamp = f"{socket.gethostname()}:{os.getpid()}"
    cache.set("worker-heartbeat", stamp, timeout=3600)
    return stamp


@shared_task
def worker_identity() -> dict[str, object]:
    """Name the process that ran this task, so a test can tell it is not the caller."""
    return {"hostname": socket.gethostname(), "pid": os.getpid()}
