"""migrate_schemas over many regions (tenants.services.schema_migrations): current schemas skipped in one
query, the ones behind migrated (in parallel, each in its own transaction), a failure named without
stopping the others, and a rerun that finishes only what is left.

The regions here are committed (migrations commit): cloned from the template as provisioning does, and
dropped afterwards. A schema is put behind by really unapplying the last migration of an app
(``rounds.0003_parallel_forms``) with django-tenants' own path, so that the rerun has DDL to do.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.management.commands.migrate_schemas import Command as MigrateSchemas
from tenants.models import Region
from tenants.services import provisioning, schema_migrations
from tenants.services.schema_migrations import expected_migrations

LATEST = ("rounds", "0003_parallel_forms")
PREVIOUS = "0002_attempt_item_types_seen_items"


def run(*args: str, **options: Any) -> tuple[str, str]:
    """The command, as ``manage.py migrate_schemas`` runs it once tenants/ provides it."""
    out, err = io.StringIO(), io.StringIO()
    call_command(MigrateSchemas(), *args, interactive=False, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def recorded(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608 (test names)
        return {f"{app}.{name}" for app, name in cursor.fetchall()}


def columns(schema: str, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return {row[0] for row in cursor.fetchall()}


def put_behind(schema: str) -> None:
    """Unapply the last rounds migration in ``schema`` (django-tenants' own path, by app label)."""
    call_command("migrate_schemas", LATEST[0], PREVIOUS, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert ".".join(LATEST) not in recorded(schema)
    assert "form" not in columns(schema, "rounds_attempt")


class Regions:
    """Committed regions made for one test, removed afterwards."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def add(self, name: str, fresh: bool = False) -> str:
        schema = f"mig_{name}"
        if fresh:  # a region whose schema exists but was never migrated
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{schema}"')
        else:
            provisioning.clone_template(schema)
        connection.set_schema_to_public()
        code = f"M{len(self.codes):04d}"
        Region.objects.create(
            code=code,
            name=f"Region {name}",
            kind=Region.Kind.KOTA,
            province_code="99",
            province_name="Uji",
            slug=f"mig-{name}",
            time_zone=Region.TimeZone.WIB,
            schema_name=schema,
        )
        self.codes.append(code)
        return schema

    def remove(self) -> None:
        connection.set_schema_to_public()
        for region in Region.objects.filter(code__in=self.codes):
            provisioning.drop_schema(region.schema_name)
            region.delete()


@pytest.fixture
def regions(committed: None) -> Iterator[Regions]:
    made = Regions()
    yield made
    made.remove()


def test_expected_migrations_are_the_tenant_apps_graph(db: None) -> None:
    expected = set(expected_migrations())
    assert ".".join(LATEST) in expected
    assert not any(name.startswith("billing.") for name in expected)  # a shared-only app
    assert provisioning.template_is_current()


def test_up_to_date_schemas_are_skipped_with_one_query_over_them(regions: Regions) -> None:
    for name in ("a", "b", "c"):
        regions.add(name)
    with CaptureQueriesContext(connection) as queries:
        out, _ = run(tenant=True, workers=2)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    # The catalogue lookup, then one statement over every schema's django_migrations; nothing per schema.
    assert len(statements) == 2, statements
    assert "to_regclass" in statements[0]
    assert statements[1].count("UNION ALL") >= 2
    assert all(f'"mig_{name}".django_migrations' in statements[1] for name in ("a", "b", "c"))
    assert "0 to migrate" in out
    states = {state.schema: state for state in schema_migrations.region_states()}
    assert all(states[f"mig_{name}"].up_to_date for name in ("a", "b", "c"))


def test_a_schema_missing_the_latest_migration_is_migrated(regions: Regions) -> None:
    behind = regions.add("behind")
    current = regions.add("current")
    put_behind(behind)

    out, err = run(tenant=True, workers=1)

    assert err == ""
    assert "1 to migrate" in out
    assert f"{behind}: migrated" in out
    assert current not in out.replace("up to date", "")
    assert ".".join(LATEST) in recorded(behind)
    assert "form" in columns(behind, "rounds_attempt")


def test_a_failing_schema_is_named_the_others_complete_and_a_rerun_finishes_it(regions: Regions) -> None:
    good = [regions.add("good1"), regions.add("good2")]
    bad = regions.add("bad")
    for schema in (*good, bad):
        put_behind(schema)
    # The stop: the migration's first column already exists in one schema, so its transaction fails.
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{bad}".rounds_attempt ADD COLUMN form smallint')

    with pytest.raises(CommandError) as failure:
        run(tenant=True, workers=2)

    assert bad in str(failure.value)
    assert "already exists" in str(failure.value)
    assert all(schema not in str(failure.value) for schema in good)
    for schema in good:
        assert ".".join(LATEST) in recorded(schema)
    # All or nothing: the failed schema kept its state (no other column of the migration was added).
    assert ".".join(LATEST) not in recorded(bad)
    assert "forms" not in columns(bad, "rounds_round")

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{bad}".rounds_attempt DROP COLUMN form')
    out, err = run(tenant=True, workers=2)

    assert err == ""
    assert "1 to migrate" in out
    assert f"{bad}: migrated" in out
    assert all(f"{schema}: migrated" not in out for schema in good)
    assert ".".join(LATEST) in recorded(bad)


def test_a_fresh_region_schema_gets_every_migration(regions: Regions) -> None:
    fresh = regions.add("fresh", fresh=True)

    out, _ = run(tenant=True, workers=2)

    assert f"{fresh}: migrated" in out
    assert set(expected_migrations()) <= recorded(fresh)
    assert "form" in columns(fresh, "rounds_attempt")


def test_a_region_without_a_schema_is_named_as_failed(regions: Regions) -> None:
    regions.add("present")
    Region.objects.create(
        code="M9999",
        name="No schema",
        kind=Region.Kind.KOTA,
        province_code="99",
        province_name="Uji",
        slug="mig-none",
        time_zone=Region.TimeZone.WIB,
        schema_name="mig_none",
    )
    regions.codes.append("M9999")

    with pytest.raises(CommandError, match='mig_none \\(RuntimeError: schema "mig_none" does not exist\\)'):
        run(tenant=True, workers=1)


def test_the_public_schema_and_one_named_schema_keep_django_tenants_path(regions: Regions) -> None:
    schema = regions.add("named")
    put_behind(schema)

    run(shared=True, verbosity=0)  # the public schema: already current, nothing raised
    run(schema_name=schema, verbosity=0)  # as provisioning migrates its template

    assert ".".join(LATEST) in recorded(schema)


def test_manage_py_migrate_schemas_is_this_command() -> None:
    """Django takes a command from the first app listing it: tenants must come before django_tenants."""
    assert get_commands()["migrate_schemas"] == "tenants"
