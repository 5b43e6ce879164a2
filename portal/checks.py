"""System checks that stop a misconfigured deployment before it serves anyone."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_debug_outside_development(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG and settings.ENVIRONMENT == "production":
        return [
            Error(
                "DEBUG is on in production: tracebacks would show personal data.",
                hint="Unset DEBUG, or set PORTAL_ENVIRONMENT=development on a workstation.",
                id="portal.E001",
            )
        ]
    return []
