"""``manage.py restore_region FILE [--replace]``: a region back from its archive, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import backup


class Command(BaseCommand):
    help = (
        "Restore one region from an archive made by backup_region, into this installation or another one "
        "running the same code version. Refuses when the region exists unless --replace; checks every "
        "table's row count and checksum before committing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="The archive file.")
        parser.add_argument("--replace", action="store_true", help="Overwrite the region if it exists here.")
        parser.add_argument("--key-file", help="File holding the backup key of an encrypted archive.")
        parser.add_argument(
            "--wait", type=float, default=300, help="Seconds to wait for a running migration."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = backup.load_key(options["key_file"])
            result = backup.restore_region(
                Path(options["archive"]), key=key, replace=options["replace"], wait_seconds=options["wait"]
            )
        except (backup.RestoreError, backup.ArchiveError, backup.ToolError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Region {result.code} restored into schema {result.schema}"
            f"{' (replacing the one here)' if result.replaced else ''}: {result.schema_tables} tables, "
            f"{result.schema_rows} rows and {result.public_rows} public rows, counts and checksums verified, "
            f"in {result.seconds:.1f} s."
        )
