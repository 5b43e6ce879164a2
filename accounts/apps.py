from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and agencies"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from accounts import schema  # noqa: F401  (registers the OpenAPI auth scheme)
        from accounts.roles import roles_sync

        # After the last project app has migrated, every permission the roles name exists.
        post_migrate.connect(roles_sync, sender=apps.get_app_config("risk"))
