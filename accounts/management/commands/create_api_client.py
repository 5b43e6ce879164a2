"""Register a provincial system and print its API key, once."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from accounts.models import Province
from accounts.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client for a province and print its key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", required=True, help="Province code, e.g. 31.")
        parser.add_argument("--name", required=True, help="Name of the provincial system.")

    def handle(self, *args, province: str, name: str, **options) -> None:
        if not Province.objects.filter(code=province).exists():
            raise CommandError(f"No province with code {province!r}.")
        try:
            client, key = api_client_create(province=province, name=name)
        except IntegrityError:
            raise CommandError(
                f"Province {province} already has a client named {name!r}."
            ) from None
        self.stdout.write(f"Created API client {client} (id {client.pk}). Its key:")
        self.stdout.write(key)
        self.stderr.write("Store the key now: only its hash is kept.")
