"""How a signed-in user is loaded on each request."""

from collections.abc import Iterable

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from accounts.models import User

# How long a loaded principal is kept. Saving the user, their agency or their person drops
# it at once (`principal_changed`); this bounds a change written around the ORM.
PRINCIPAL_SECONDS = 60


def kept_principal_key(user_id: int | str) -> str:
    """The cache key under which a signed-in user, as loaded, is kept."""
    return f"principal:{user_id}"


def principal_changed(user_ids: Iterable[int]) -> None:
    """Drop the kept principals of these users now and again once the transaction commits
    (a request in between may have kept the version from before the change)."""
    keys = [kept_principal_key(user_id) for user_id in user_ids if user_id is not None]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


class UserBackend(ModelBackend):
    """Django's model backend, loading the signed-in user together with their agency or,
    for an insured person, the person, and keeping them for the next request: who is
    asking costs one cache read, not a query."""

    def get_user(self, user_id: int) -> User | None:
        key = kept_principal_key(user_id)
        user = cache.get(key)
        if user is None:
            try:
                user = User.objects.select_related("agency", "insured_person").get(pk=user_id)
            except User.DoesNotExist:
                return None
            cache.set(key, user, PRINCIPAL_SECONDS)
        return user if self.user_can_authenticate(user) else None


def user_saved(sender, instance, **kwargs) -> None:
    principal_changed([instance.pk])


def agency_saved(sender, instance, **kwargs) -> None:
    principal_changed(User.objects.filter(agency=instance).values_list("pk", flat=True))


def person_saved(sender, instance, **kwargs) -> None:
    principal_changed(User.objects.filter(insured_person=instance).values_list("pk", flat=True))
