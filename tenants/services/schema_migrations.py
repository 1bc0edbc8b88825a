"""Migrations over hundreds of region schemas: skip the ones already current, run the rest in parallel.

django-tenants' ``migrate_schemas`` runs Django's whole ``migrate`` in every schema, one after another,
even when nothing is to do: at 552 regions a no-op deploy took 125 s here (99 s with its multiprocessing
executor), most of it introspecting the catalogue and loading the migration graph per schema. Instead:

* **One statement finds the schemas already current.** The migrations a region schema must have are the
  graph's nodes of the tenant apps (``settings.TENANT_APPS``), computed once from the loader, the same
  fingerprint provisioning uses for its template and spares. A catalogue lookup lists the regions with
  whether each schema and its ``django_migrations`` exist; then a single ``UNION ALL`` statement counts,
  in every such schema at once, how many of those names it records. Two statements whatever the number
  of regions (a single one through ``query_to_xml`` was tried: PostgreSQL builds without libxml, like
  the embedded server, refuse it). A schema with all of them is skipped; the rest is "behind". Extra
  rows (migrations deleted since) do not matter; a squashed migration never recorded counts as missing,
  which only sends the schema through the real ``migrate`` once, where Django records it.
* **The schemas behind are migrated in parallel**, by a bounded pool of forked processes (the Python
  side of ``migrate``, rendering model states, is the bulk of the cost, so threads would not help).
* **One transaction per schema.** PostgreSQL DDL is transactional: a schema is either at the new state
  or untouched, so a run stopped half-way (killed, a failed schema, a lost connection) is resumed by
  running it again; the first statement then finds what is already done. Two details make one
  transaction hold what Django runs as one transaction per migration:

  - after each migration, ``SET CONSTRAINTS ALL IMMEDIATE`` fires the deferred foreign-key checks its
    data changes queued (as Django's commit would), else a later ``ALTER TABLE`` on those tables fails
    with "pending trigger events"; ``SET CONSTRAINTS ALL DEFERRED`` then restores deferral for the next;
  - a plan with a non-atomic migration (``atomic = False``, e.g. ``CREATE INDEX CONCURRENTLY``) runs
    without the outer transaction, as Django would run it; it stays resumable migration by migration.

* **pgtrigger's shared helper.** Installing a trigger replaces ``public._pgtrigger_should_ignore``; two
  schemas doing so at once collide ("tuple concurrently updated"). A schema whose plan installs or
  changes triggers takes a transaction-level advisory lock first, so those schemas queue for it while
  the others go on.

A failure in one schema is reported with its error and does not stop the others; the command exits
non-zero naming them. The public schema, and a single schema named with ``--schema`` (provisioning
migrates its template that way), keep django-tenants' own path.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import get_public_schema_name, get_tenant_base_migrate_command_class

from tenants.models import Region
from tenants.schemas import use_public_schema
from tenants.services.backup.pgtools import SCHEMA_CHANGE_LOCK

# pg_advisory_xact_lock key serialising the schemas that (re)install pgtrigger's shared helper function.
PGTRIGGER_LOCK_KEY = 0x1CD_7219


@dataclass(frozen=True)
class SchemaState:
    """A region schema as the state query found it. ``recorded`` is how many of the expected tenant
    migrations its django_migrations holds (None: the schema or the table does not exist)."""

    schema: str
    exists: bool
    recorded: int | None
    expected: int

    @property
    def up_to_date(self) -> bool:
        return self.exists and self.recorded == self.expected


@dataclass(frozen=True)
class Outcome:
    schema: str
    ok: bool
    seconds: float
    error: str = ""
    output: str = ""


def default_workers() -> int:
    configured = int(getattr(settings, "MIGRATE_SCHEMAS_WORKERS", 0) or 0)
    return configured if configured > 0 else min(4, os.cpu_count() or 1)


def tenant_app_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}


@cache
def expected_migrations() -> tuple[str, ...]:
    """``app.name`` of every migration a region schema must have recorded (tenant apps only)."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    labels = tenant_app_labels()
    return tuple(sorted(f"{app}.{name}" for app, name in loader.graph.nodes if app in labels))


# The regions, whether each schema exists and whether it has a django_migrations table (no error when not).
_REGIONS_SQL = """
SELECT r.schema_name,
       n.oid IS NOT NULL,
       to_regclass(format('%%I.django_migrations', r.schema_name)) IS NOT NULL
  FROM {region_table} r
  LEFT JOIN pg_namespace n ON n.nspname = r.schema_name
 WHERE r.schema_name <> %s
 ORDER BY r.schema_name
"""


def region_states() -> list[SchemaState]:
    """Every region's schema and whether it is current: two statements on the public schema, whatever
    the number of regions (the catalogue lookup, then one count over every schema's django_migrations)."""
    expected = expected_migrations()
    use_public_schema()
    quote = connection.ops.quote_name
    region_table = f"{quote(get_public_schema_name())}.{quote(Region._meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(_REGIONS_SQL.format(region_table=region_table), [get_public_schema_name()])
        regions = cursor.fetchall()
        with_table = [schema for schema, _exists, has_table in regions if has_table]
        counts = _recorded_counts(cursor, with_table, expected)
    return [
        SchemaState(schema, bool(exists), counts.get(schema), len(expected))
        for schema, exists, _has_table in regions
    ]


def _recorded_counts(cursor: Any, schemas: Sequence[str], expected: Sequence[str]) -> dict[str, int]:
    """How many of ``expected`` each schema's django_migrations records, in one UNION ALL statement.
    Schema names come from the regions table and are quoted as identifiers (django-tenants refuses names
    with quotes); the expected names are one array parameter. DISTINCT: django_migrations has no unique
    constraint, and a row recorded twice must not make up for a missing one."""
    if not schemas:
        return {}
    quote = connection.ops.quote_name
    branches = " UNION ALL ".join(
        f"SELECT %s, count(DISTINCT e.name) FROM {quote(schema)}.django_migrations m"  # noqa: S608
        " JOIN expected e ON e.name = m.app || '.' || m.name"
        for schema in schemas
    )
    cursor.execute(
        f"WITH expected(name) AS (SELECT unnest(%s::text[])) {branches}", [list(expected), *schemas]
    )
    return {schema: int(count) for schema, count in cursor.fetchall()}


class _SchemaMigrateCommand(get_tenant_base_migrate_command_class()):  # type: ignore[misc]
    """Django's ``migrate``, firing deferred constraint checks at each migration's end (see module)."""

    def migration_progress_callback(self, action: str, migration: Any = None, fake: bool = False) -> None:
        super().migration_progress_callback(action, migration, fake)
        if action in {"apply_success", "unapply_success"} and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _plan_needs(plan: Sequence[tuple[Any, bool]]) -> tuple[bool, bool]:
    """(every migration atomic, some migration touches pgtrigger triggers)."""
    atomic = all(migration.atomic for migration, _backwards in plan)
    triggers = any(
        type(operation).__module__.startswith("pgtrigger")
        for migration, _backwards in plan
        for operation in migration.operations
    )
    return atomic, triggers


def migrate_schema(schema: str, options: dict[str, Any]) -> Outcome:
    """Run ``migrate`` in one schema, in one transaction when the plan allows. Never raises."""
    started = time.perf_counter()
    out = io.StringIO()
    try:
        _migrate(schema, options, out)
    except Exception as exc:  # reported per schema; the others go on
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
        return Outcome(schema, False, time.perf_counter() - started, message, out.getvalue())
    finally:
        with suppress(Exception):  # a broken connection: the next statement reconnects
            use_public_schema()
    return Outcome(schema, True, time.perf_counter() - started, output=out.getvalue())


def _migrate(schema: str, options: dict[str, Any], out: io.StringIO) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        if cursor.fetchone() is None:
            raise RuntimeError(f'schema "{schema}" does not exist')
    # The plan and the recorder's table are looked up in this schema only (else public's would be found).
    tenant_connection: Any = connection  # django-tenants' wrapper (the stubs know Django's base one)
    tenant_connection.set_schema(schema, include_public=False)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    atomic, triggers = _plan_needs(plan)
    in_transaction = atomic and not connection.in_atomic_block
    with transaction.atomic() if in_transaction else nullcontext():
        MigrationRecorder(connection).ensure_schema()  # inside: a stopped run leaves the schema untouched
        tenant_connection.set_schema(schema)
        if triggers and in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PGTRIGGER_LOCK_KEY])
        command = _SchemaMigrateCommand(stdout=out, stderr=out)
        command.execute(**{**options, "skip_checks": True})


# Read by the forked workers (inherited, never pickled: the options may hold streams).
_worker_options: dict[str, Any] = {}


def _in_worker(schema: str) -> Outcome:
    return migrate_schema(schema, _worker_options)


def _forget_inherited_connections() -> None:
    """In a forked worker: drop the database connections copied from the parent without closing them.

    ``close_all`` in the parent leaves a connection open when it is inside a transaction (a caller's
    atomic block, a test's); a worker using or closing that socket would read the parent's answers or
    end its session. The worker opens its own connection on first use.
    """
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.needs_rollback = False
        conn.closed_in_transaction = False


@contextmanager
def _pool(workers: int) -> Iterator[Any]:
    context = multiprocessing.get_context("fork")
    connections.close_all()  # each worker opens its own; a shared socket would mix their statements
    pool = context.Pool(processes=workers, initializer=_forget_inherited_connections)
    try:
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()  # a stopped run: the workers' open transactions roll back
        raise
    finally:
        pool.join()


@contextmanager
def schema_change_lock(needed: bool = True) -> Iterator[None]:
    """Hold the schema-change advisory lock exclusively on this process's connection while migrating
    (``tenants.services.backup.pgtools.SCHEMA_CHANGE_LOCK``: backups and restores take it shared)."""
    if not needed:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_CHANGE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_CHANGE_LOCK])


def migrate_schemas(
    schemas: Sequence[str], options: dict[str, Any], workers: int, on_done: Callable[[Outcome], None]
) -> list[Outcome]:
    """Migrate ``schemas`` with at most ``workers`` at once; ``on_done`` sees each outcome as it ends."""
    outcomes: list[Outcome] = []
    if workers <= 1 or len(schemas) <= 1 or connection.in_atomic_block:
        for schema in schemas:
            outcomes.append(migrate_schema(schema, options))
            on_done(outcomes[-1])
        return outcomes
    global _worker_options
    _worker_options = dict(options)
    try:
        with _pool(min(workers, len(schemas))) as pool:
            for outcome in pool.imap_unordered(_in_worker, schemas):
                outcomes.append(outcome)
                on_done(outcome)
    finally:
        _worker_options = {}
    return outcomes
