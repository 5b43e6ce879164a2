from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and agencies")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_delete, post_migrate, post_save

        from accounts import schema  # noqa: F401  (registers the OpenAPI auth scheme)
        from accounts.backends import agency_saved, person_saved, user_saved
        from accounts.roles import roles_sync

        # After the last project app has migrated, every permission the roles name exists.
        post_migrate.connect(roles_sync, sender=apps.get_app_config("risk"))
        # A kept principal is dropped whenever what it holds changes.
        for signal in (post_save, post_delete):
            signal.connect(user_saved, sender="accounts.User")
            signal.connect(agency_saved, sender="accounts.Agency")
            signal.connect(person_saved, sender="contributions.InsuredPerson")
