from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk screening")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from risk import detectors  # noqa: F401  (declares the rules in the registry)

        post_migrate.connect(_sync_rules, sender=self)


def _sync_rules(using: str = "default", **kwargs) -> None:
    """Keep the rule table in step with the registry after every migrate (a migrate to an
    earlier state may have no rule table yet)."""
    from django.db import connections

    from risk.services import rules_sync

    if "risk_riskrule" in connections[using].introspection.table_names():
        rules_sync()
