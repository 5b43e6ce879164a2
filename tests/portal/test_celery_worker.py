"""Tasks run in a separate worker process that takes them from the real Redis broker."""

import os

import pytest
from django.core.cache import cache

from portal.tasks import heartbeat, worker_identity

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_task_runs_in_the_worker_process_not_in_the_test(celery_worker):
    result = worker_identity.delay().get(timeout=30)
    assert result["pid"] != os.getpid()
    assert result["hostname"]


def test_the_heartbeat_task_writes_to_redis_from_the_worker(celery_worker):
    cache.delete("worker-heartbeat")
    stamp = heartbeat.delay().get(timeout=30)
    assert cache.get("worker-heartbeat") == stamp
    assert not stamp.endswith(f":{os.getpid()}")
