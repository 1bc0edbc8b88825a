"""Run after every deploy's migrate_schemas: bring the template schema up to date and fill the pool."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tenants.services import provisioning


class Command(BaseCommand):
    help = "Migrate the template schema, drop stale spare schemas and fill the pool of spares."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pool-size", type=int, default=None, help="Spares to keep (default SCHEMA_POOL_SIZE)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = provisioning.prepare(options["pool_size"], verbosity=max(0, options["verbosity"] - 1))
        self.stdout.write(
            f"Template {provisioning.template_schema()} is current; "
            f"{result['discarded']} stale spare(s) dropped, {result['made']} made; "
            f"{result['renamed']} index/constraint name(s) of cloned schemas set to the template's."
        )
