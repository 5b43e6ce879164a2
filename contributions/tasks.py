"""Periodic work on the ledger. Each task takes primitives and calls one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from contributions import accounting, reconciliation

# Lost connections and the like are worth another try; a business error is not.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,  # the service posts each account once, so a redelivery is harmless
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def post_annual_interest(year: int | None = None) -> dict[str, object]:
    """Credit the year's interest (default: last year), or true it up once the rate is out."""
    year = year or timezone.localdate().year - 1
    posting = accounting.interest_post_year(year=year)
    return {
        "year": posting.year,
        "rate": str(posting.rate) if posting.rate is not None else "provincial",
        "provisional": posting.is_provisional,
        "accounts": posting.accounts,
    }


@shared_task(
    acks_late=True,  # a rerun only records one more proof
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def reconcile_ledger() -> dict[str, int]:
    """Prove the sub-ledger equals the journal's control accounts, province by province."""
    run = reconciliation.ledger_reconcile()
    return {"run": run.pk, "discrepancies": run.discrepancies}
