"""Text messages to insured persons (短信): one interface, and the development gateway.

Production configures `SMS_GATEWAY` with the province's or the nation's gateway; the
development gateway refuses to send there (its console would hold the codes).
"""

import sys
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from accounts.models import OutboxMessage


class SmsGateway(Protocol):
    def send(self, mobile: str, text: str) -> None:
        """Send `text` to the mobile number `mobile`."""


def masked_mobile(mobile: str) -> str:
    """138****0000: enough for a person to recognise their number."""
    return f"{mobile[:3]}****{mobile[-4:]}"


class DevelopmentSmsGateway:
    """Writes each message to the console (number masked) and to the development outbox
    page (/dev/outbox/)."""

    def send(self, mobile: str, text: str) -> None:
        if settings.ENVIRONMENT == "production":
            raise ImproperlyConfigured("Set SMS_GATEWAY: the development gateway sends nothing.")
        OutboxMessage.objects.create(mobile=mobile, text=text)
        sys.stderr.write(f"SMS to {masked_mobile(mobile)}: {text}\n")


def sms_gateway() -> SmsGateway:
    """The configured gateway."""
    gateway: SmsGateway = import_string(settings.SMS_GATEWAY)()
    return gateway
