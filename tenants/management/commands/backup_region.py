"""``manage.py backup_region CODE [--output FILE] [--encrypt]``: one region into one archive file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import backup


class Command(BaseCommand):
    help = (
        "Back up one region: its schema (pg_dump) and its rows in the public schema, with a manifest of "
        "row counts and checksums, into one archive file. Waits for a running migration to finish."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="The region's Kemendagri code, e.g. 64.02.")
        parser.add_argument(
            "--output", "-o", help="Archive file (default region-CODE.ikdbak in this folder)."
        )
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help="Encrypt with IKD_BACKUP_KEY, IKD_BACKUP_KEY_FILE or --key-file.",
        )
        parser.add_argument("--key-file", help="File holding the backup key (URL-safe base64, 32 bytes).")
        parser.add_argument(
            "--wait", type=float, default=300, help="Seconds to wait for a running migration."
        )
        parser.add_argument("--new-key", action="store_true", help="Print a new random key and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(backup.new_key())
            return
        code = options["code"]
        if not code:
            raise CommandError("Give the region's code, e.g. backup_region 64.02.")
        try:
            key = backup.load_key(options["key_file"]) if options["encrypt"] or options["key_file"] else None
            if options["encrypt"] and key is None:
                raise CommandError(
                    "--encrypt needs a key: set IKD_BACKUP_KEY or IKD_BACKUP_KEY_FILE, or --key-file."
                )
            output = Path(options["output"] or f"region-{code}.ikdbak")
            result = backup.backup_region(code, output, key=key, wait_seconds=options["wait"])
        except (backup.BackupError, backup.ArchiveError, backup.ToolError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Region {code}: {result.schema_tables} tables, {result.schema_rows} rows in its schema and "
            f"{result.public_rows} public rows written to {result.path} ({result.size_bytes / 1e6:.1f} MB"
            f"{', encrypted' if result.encrypted else ''}) in {result.seconds:.1f} s."
        )
