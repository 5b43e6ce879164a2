"""Nightly checks of the accounts app. Each task calls one service."""

import logging

from celery import shared_task

from accounts.services import audit_heads, audit_verify

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)  # a read-only check: a redelivery only checks again
def verify_audit_trail() -> dict[str, object]:
    """Report the first broken link of each hash-chained trail (an error in the log), and
    log each trail's last link, the outside anchor for the next check."""
    broken = [{"trail": b.trail, "seq": b.seq, "problem": b.problem} for b in audit_verify()]
    for link in broken:
        logger.error("audit trail broken", extra=link)
    heads = audit_heads()
    logger.info("audit trail heads", extra={"heads": heads})
    return {"broken": broken, "heads": heads}
