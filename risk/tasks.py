"""Screening on Celery: one task per slice of persons, joined by a chord that closes the run.

Slice tasks are acks_late and the service marks a slice done in the same transaction as its
flags, so a task redelivered after a worker died redoes only what was lost.
"""

import logging
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from risk import services

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
logger = logging.getLogger(__name__)


@shared_task
def screening_nightly() -> str:
    """The beat schedule's nightly run: what changed since the last run, with every rule."""
    return str(services.screening_start(incremental=True).public_id)


@shared_task
def screening_weekly() -> str:
    """The beat schedule's weekly run over the whole ledger with every batch rule."""
    return str(services.screening_start().public_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def screening_slice(self, slice_id: int, as_of: str) -> int:
    try:
        services.screening_slice_run(
            slice_id=slice_id, as_of=date.fromisoformat(as_of), worker=self.request.hostname or ""
        )
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        # A failing rule must not leave the run waiting for ever: the slice stays undone,
        # the run records why, and the chord still closes it (as failed).
        logger.exception("screening slice %s failed", slice_id)
        services.screening_slice_failed(slice_id=slice_id, error=type(error).__name__)
    return slice_id


@shared_task(acks_late=True)
def screening_run_close(slice_ids: list[int], run_id: int) -> dict[str, object]:
    run = services.screening_finish(run_id=run_id)
    return {"run": str(run.public_id), "status": run.status, "hits": run.hits_by_rule}
