"""Load the competence frameworks and item banks shipped in assessment/data (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument import files, services


class Command(BaseCommand):
    help = "Validate and load the frameworks and item banks from assessment/data into the public schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=services.DATA_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with schema_context(get_public_schema_name()):  # the catalogue lives in the public schema
                result = services.load_all(options["data_dir"])
        except files.BankError as exc:
            raise CommandError("The instrument was not loaded:\n  " + "\n  ".join(exc.problems)) from exc
        self.stdout.write(
            f"Loaded frameworks {', '.join(result.frameworks)}; banks {', '.join(result.banks)} "
            f"({result.items} items)."
        )
