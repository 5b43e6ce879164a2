"""Writes of the accounts app: API clients and keys, the access log."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts import scope
from accounts.authentication import ProvincialSystem, api_key_hash
from accounts.models import AccessLog, ApiClient, ApiKey, AuditEvent, IdempotentRequest
from accounts.scope import Principal

KEY_PREFIX = "pp_"
MAX_ACTIVE_KEYS = 2  # the old and the new one while a province rotates


class KeyLimitReached(Exception):
    """A client already has its maximum of active keys."""


def access_record(
    *,
    principal: Principal,
    person_ids: Iterable[int],
    action: str,
    path: str,
    purpose: str = "",
) -> None:
    """Record that a caseworker or a provincial system read persons (every read, never the
    persons' data): who, their agency, when, through what and why."""
    client, user = (
        (principal.client, None) if isinstance(principal, ProvincialSystem) else (None, principal)
    )
    person_ids = sorted(set(person_ids))
    if not person_ids:
        return
    AccessLog.objects.create(
        user=user,
        api_client=client,
        agency_id=user.agency_id if user is not None else None,
        person_ids=person_ids,
        action=action,
        purpose=(purpose or DEFAULT_PURPOSE.get(action.split("_")[0], "case handling"))[:100],
        path=path[:300],
    )


# Why a channel reads a record when the reader does not say (X-Access-Purpose).
DEFAULT_PURPOSE = {
    "api": "provincial business handling (经办)",
    "admin": "case handling (经办审核)",
    "export": "export for case handling",
}


def audit_record(
    *, actor: Principal | None, action: str, subject: str, detail: dict[str, Any] | None = None
) -> AuditEvent:
    """Append an event to the audit trail (hash-chained by the database)."""
    return AuditEvent.objects.create(
        actor=scope.actor(actor), action=action, subject=subject, detail=detail or {}
    )


@dataclass(frozen=True)
class BrokenLink:
    trail: str
    seq: int
    problem: str


CHAINED_TRAILS = (AccessLog, AuditEvent)


def audit_heads() -> dict[str, dict[str, Any]]:
    """The last link of each trail (seq and hash): kept outside the database, it shows
    whether rows were removed from the end since."""
    heads: dict[str, dict[str, Any]] = {}
    for model in CHAINED_TRAILS:
        last = model.objects.order_by("-seq").values("seq", "hash").first()
        heads[model._meta.db_table] = dict(last) if last else {"seq": 0, "hash": ""}
    return heads


def audit_verify() -> list[BrokenLink]:
    """The first broken link of each hash-chained trail; empty when every chain holds."""
    broken = []
    with connection.cursor() as cursor:
        for model in CHAINED_TRAILS:
            cursor.execute(
                "SELECT seq, problem FROM audit_first_broken(%s)", [model._meta.db_table]
            )
            row = cursor.fetchone()
            if row is not None:
                broken.append(BrokenLink(model._meta.db_table, row[0], row[1]))
    return broken


def api_key_issue(*, client: ApiClient, by: Principal | None = None) -> str:
    """Create a key for a client and return it; it is never shown again."""
    with transaction.atomic():
        ApiClient.objects.select_for_update().get(pk=client.pk)
        active = ApiKey.objects.filter(client=client, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_KEYS:
            raise KeyLimitReached(
                f"{client} already has {active} active keys; revoke one before issuing another"
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        api_key = ApiKey.objects.create(client=client, prefix=key[:10], key_hash=api_key_hash(key))
        audit_record(
            actor=by,
            action="api_key_issue",
            subject=f"api_client:{client.pk}",
            detail={"province": client.province_id, "key": api_key.prefix},
        )
    return key


def api_client_create(
    *, province: str, name: str, by: Principal | None = None
) -> tuple[ApiClient, str]:
    """Register a provincial system and issue its first key."""
    with transaction.atomic():
        client = ApiClient.objects.create(province_id=province, name=name)
        return client, api_key_issue(client=client, by=by)


def api_key_revoke(*, key: ApiKey, by: Principal | None = None) -> None:
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_record(
                actor=by,
                action="api_key_revoke",
                subject=f"api_client:{key.client_id}",
                detail={"key": key.prefix},
            )


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
    (status, JSON body). Only a success is stored: a refusal (4xx) has written nothing, and
    its key stays free for the corrected request.
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
        if status_code >= 400:
            # A refusal binds nothing: the corrected request may come with the same key.
            return IdempotentAnswer(status_code, answer, replayed=False)
        IdempotentRequest.objects.create(
            principal=principal,
            key=key,
            body_hash=body_hash,
            status_code=status_code,
            response=answer,
        )
    return IdempotentAnswer(status_code, answer, replayed=False)
