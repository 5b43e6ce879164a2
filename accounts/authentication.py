"""Authentication of provincial systems: an API key resolves to the client and its province."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiClient, ApiKey

# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_hash(key: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is as strong as a slow one here.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ProvincialSystem:
    """The principal of a request made with an API key: one client, one province."""

    client: ApiClient

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> str:
        return f"client:{self.client.pk}"

    @property
    def province_id(self) -> str:
        return self.client.province_id

    def __str__(self) -> str:
        return str(self.client)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer pp_…` (or `X-Api-Key: pp_…`)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ProvincialSystem, ApiKey] | None:
        key = self._key_from(request)
        if key is None:
            return None
        api_key = (
            ApiKey.objects.select_related("client")
            .filter(key_hash=api_key_hash(key), revoked_at__isnull=True, client__is_active=True)
            .first()
        )
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        now = timezone.now()
        if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ProvincialSystem(api_key.client), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

    def _key_from(self, request: Request) -> str | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if header and header[0] == self.keyword:
            if len(header) != 2:
                raise exceptions.AuthenticationFailed("Give exactly one API key after Bearer.")
            return header[1]
        return request.META.get("HTTP_X_API_KEY") or None
