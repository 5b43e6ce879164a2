"""Writes of the accounts app."""

from accounts.models import AccessLog, User


def access_record(*, user: User, person_id: int, action: str, path: str) -> None:
    """Record that a caseworker viewed a person (every view, never the person's data)."""
    AccessLog.objects.create(user=user, person_id=person_id, action=action, path=path[:300])
