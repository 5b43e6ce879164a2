"""Writes of the accounts app: API clients and keys, the access log."""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AccessLog, ApiClient, ApiKey, IdempotentRequest, User

KEY_PREFIX = "pp_"
MAX_ACTIVE_KEYS = 2  # the old and the new one while a province rotates


class KeyLimitReached(Exception):
    """A client already has its maximum of active keys."""


def access_record(*, user: User, person_id: int, action: str, path: str) -> None:
    """Record that a caseworker viewed a person (every view, never the person's data)."""
    AccessLog.objects.create(user=user, person_id=person_id, action=action, path=path[:300])


def api_key_hash(key: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is as strong as a slow one here.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_issue(*, client: ApiClient) -> str:
    """Create a key for a client and return it; it is never shown again."""
    with transaction.atomic():
        ApiClient.objects.select_for_update().get(pk=client.pk)
        active = ApiKey.objects.filter(client=client, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_KEYS:
            raise KeyLimitReached(
                f"{client} already has {active} active keys; revoke one before issuing another"
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        ApiKey.objects.create(client=client, prefix=key[:10], key_hash=api_key_hash(key))
    return key


def api_client_create(*, province: str, name: str) -> tuple[ApiClient, str]:
    """Register a provincial system and issue its first key."""
    with transaction.atomic():
        client = ApiClient.objects.create(province_id=province, name=name)
        return client, api_key_issue(client=client)


def api_key_revoke(*, key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class IdempotencyConflict(Exception):
    """The key was used before with another body."""


@dataclass(frozen=True)
class IdempotentAnswer:
    status_code: int
    body: Any
    replayed: bool


def idempotent_write(
    *, principal: str, key: str, body: bytes, work: Callable[[], tuple[int, Any]]
) -> IdempotentAnswer:
    """Run `work` once per (principal, key); a repeat with the same body gets the first answer.

    The answer is stored in the same transaction as the write, so a replay can never see an
    answer whose write was rolled back, nor a write without its answer. `work` returns
    (status, JSON body) and must keep its own writes in a nested atomic block if it may
    refuse them (its answer is still stored).
    """
    body_hash = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Concurrent requests with one key queue here instead of racing the unique index.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('idempotency:' || %s || ':' || %s))",
                [principal, key],
            )
        earlier = IdempotentRequest.objects.filter(principal=principal, key=key).first()
        if earlier is not None:
            if earlier.body_hash != body_hash:
                raise IdempotencyConflict(
                    "This Idempotency-Key was used with a different request body."
                )
            return IdempotentAnswer(earlier.status_code, earlier.response, replayed=True)
        status_code, answer = work()
        IdempotentRequest.objects.create(
            principal=principal,
            key=key,
            body_hash=body_hash,
            status_code=status_code,
            response=answer,
        )
    return IdempotentAnswer(status_code, answer, replayed=False)
