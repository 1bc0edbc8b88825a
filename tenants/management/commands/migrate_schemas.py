"""``migrate_schemas`` for hundreds of regions: skip the current schemas, migrate the rest in parallel.

django-tenants' command, with its tenant pass replaced by tenants.services.schema_migrations (the design
is there). What keeps django-tenants' own path unchanged:

* the public schema (``--shared``, or no switch);
* one schema named with ``--schema`` (provisioning migrates its template schema that way; the template
  and the spare schemas are not regions, and ``prepare_provisioning`` keeps them current);
* ``--executor``, an app label or migration name, ``--fake``, ``--fake-initial``, ``--plan``,
  ``--check``, ``--prune`` and ``--run-syncdb``: rare operations, run over every region as before.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION, MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, has_multi_type_tenants

from tenants.services import schema_migrations
from tenants.services.schema_migrations import Outcome

# Options that mean "do exactly what django-tenants does".
_STOCK_OPTIONS = (
    "schema_name",
    "executor",
    "app_label",
    "migration_name",
    "fake",
    "fake_initial",
    "plan",
    "check_unapplied",
    "prune",
    "run_syncdb",
)


class Command(MigrateSchemasCommand):
    help = (
        "Migrate the public schema, then every region schema that is behind (current ones are found in "
        "one query and skipped), several at once, each in its own transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Schemas migrated at once (default MIGRATE_WORKERS, else min(4, CPU cores)).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if any(options.get(name) for name in _STOCK_OPTIONS) or has_multi_type_tenants():
            super().handle(*args, **options)
            return
        workers = options["workers"] or schema_migrations.default_workers()
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, not {workers}.")
        SyncCommon.handle(self, *args, **options)
        if self.sync_public:
            executor = GET_EXECUTOR_FUNCTION(codename=None)(self.args, self.options)
            executor.run_migrations(tenants=[get_public_schema_name()])
        if self.sync_tenant:
            self._migrate_regions(options, workers)

    def _migrate_regions(self, options: dict[str, Any], workers: int) -> None:
        started = time.perf_counter()
        verbosity = int(options["verbosity"])
        states = schema_migrations.region_states()
        behind = [state.schema for state in states if not state.up_to_date]
        if verbosity >= 1:
            self.stdout.write(
                f"Regions: {len(states)}; {len(states) - len(behind)} up to date (skipped), "
                f"{len(behind)} to migrate"
                + (f" with {min(workers, len(behind))} worker(s)." if behind else ".")
            )
        done = 0

        def report(outcome: Outcome) -> None:
            nonlocal done
            done += 1
            if outcome.ok:
                if verbosity >= 1:
                    self.stdout.write(
                        f"[{done}/{len(behind)}] {outcome.schema}: migrated ({outcome.seconds:.1f} s)"
                    )
                if verbosity >= 2 and outcome.output:
                    self.stdout.write(outcome.output.rstrip())
            else:
                self.stderr.write(f"[{done}/{len(behind)}] {outcome.schema}: FAILED: {outcome.error}")
                if verbosity >= 2 and outcome.output:
                    self.stderr.write(outcome.output.rstrip())

        migrate_options = {**options, "interactive": False, "verbosity": max(0, verbosity - 1)}
        # A backup's pg_dump holds locks that would block the migrations' ALTER TABLEs (and every query
        # queued behind them): backups take the schema-change lock shared, a migration run exclusive.
        with schema_migrations.schema_change_lock(bool(behind)):
            outcomes = schema_migrations.migrate_schemas(behind, migrate_options, workers, report)
        failed = [outcome for outcome in outcomes if not outcome.ok]
        if verbosity >= 1:
            self.stdout.write(
                f"Regions done in {time.perf_counter() - started:.1f} s: "
                f"{len(outcomes) - len(failed)} migrated, {len(failed)} failed, "
                f"{len(states) - len(behind)} already up to date."
            )
        if failed:
            names = "; ".join(f"{outcome.schema} ({outcome.error})" for outcome in failed)
            raise CommandError(
                f"{len(failed)} region schema(s) failed and were left as they were: {names}. "
                "Fix the cause and run migrate_schemas again: it migrates only the schemas still behind."
            )
