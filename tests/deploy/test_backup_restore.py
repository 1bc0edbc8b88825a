"""The restore drill (tenants.services.backup): a region with people, a scored round and public rows
(billing contract, approval event, domain) is backed up, dropped and restored, and every table's rows
are compared with what was there before, computed independently of the backup's own checksums. Also:
refusal to overwrite, --replace, a restore into another installation (a second database with the same
migrations), an encrypted round trip, a wrong key and altered archives refused with nothing changed.

These tests commit (pg_dump reads committed data from its own session): the region is made once for the
module and removed at the end.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from tenants.models import AuditEvent, Region
from tenants.services import backup
from tenants.services.backup import archive, pgtools
from tenants.services.backup.plan import region_plan
from tests.factories import forget_benchmark, make_region, remove_instrument, remove_region, schema_exists

CODE, SLUG = "64.09", "ppu"


def fingerprint(code: str) -> dict[str, tuple[int, str]]:
    """Every table of the region's schema and every public row of the region: rows and an md5 of the rows
    in sorted order (a different method from the archive's checksums)."""
    connection.set_schema_to_public()
    region = Region.objects.get(code=code)
    found: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r'",
            [region.schema_name],
        )
        tables = [f'"{region.schema_name}"."{name}"' for (name,) in cursor.fetchall()]
        queries = [(table, "TRUE") for table in tables]
        queries += [
            (f'public."{table.table}"', table.where) for table in region_plan(region.pk, region.code).tables
        ]
        for table, where in queries:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608
                f" FROM {table} t WHERE {where}"
            )
            count, digest = cursor.fetchone()
            found[table] = (count, digest)
    return found


@pytest.fixture(scope="module")
def drill(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Region]:
    """A committed region: 150 employees, a round taken by 120, scored and sent to the benchmark. Removed
    at the end with the public rows it brought: the national benchmark's and the instrument."""
    from billing.services import subscriptions
    from tests.assessment.results.conftest import sent_round

    with django_db_blocker.unblock():
        remove_region(CODE)
        try:
            call_command("load_instrument", verbosity=0)
            region = make_region(CODE, SLUG)
            from datetime import date

            subscriptions.seed_contract(region, "standar", 1000, start=date.today(), actor="tests")
            with schema_context(region.schema_name):
                sent_round(region, employees=150, takers=120)
            connection.set_schema_to_public()
            yield Region.objects.get(code=CODE)
        finally:
            connection.set_schema_to_public()
            remove_region(CODE)
            # What the sending committed to the national benchmark, and the instrument it was scored on:
            # left behind, they would be the national figures of the later test files on this worker (a
            # newer instrument and year, one region more in every ranking).
            forget_benchmark()
            remove_instrument()


@pytest.fixture
def key() -> bytes:
    return archive.load_key_text(archive.new_key())


def drop(code: str) -> None:
    """Delete the region the way the platform does (its rows, then its schema)."""
    connection.set_schema_to_public()
    region = Region.objects.get(code=code)
    schema = region.schema_name
    region.delete()
    from tenants.services import provisioning

    provisioning.drop_schema(schema)
    assert not schema_exists(schema)


def test_backup_drop_restore_gives_back_every_row(
    drill: Region, tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        before = fingerprint(CODE)
        assert any(count > 1000 for count, _ in before.values()), "the round's answers are in the drill"
        result = backup.backup_region(CODE, tmp_path / "r.ikdbak")
        assert result.schema_rows > 1000
        assert result.public_rows >= 4
        drop(CODE)
        events = AuditEvent.objects.filter(region_code=CODE, region=None)
        assert events.exists(), "the approval event outlives the region with its key emptied"
        restored = backup.restore_region(tmp_path / "r.ikdbak")
        assert restored.schema_rows == result.schema_rows
        assert fingerprint(CODE) == before
        assert not AuditEvent.objects.filter(region_code=CODE, region=None).exists()  # re-linked


def test_existing_region_is_refused_unless_replace(
    drill: Region, tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        path = tmp_path / "r.ikdbak"
        call_command("backup_region", CODE, output=str(path), stdout=io.StringIO())
        before = fingerprint(CODE)
        with pytest.raises(CommandError, match="already exists here"):
            call_command("restore_region", str(path), stdout=io.StringIO())
        with schema_context(drill.schema_name), connection.cursor() as cursor:
            cursor.execute("DELETE FROM results_score WHERE id IN (SELECT id FROM results_score LIMIT 5)")
        assert fingerprint(CODE) != before
        out = io.StringIO()
        call_command("restore_region", str(path), replace=True, stdout=out)
        assert "verified" in out.getvalue()
        assert fingerprint(CODE) == before


def test_encrypted_round_trip_and_wrong_key(
    drill: Region, tmp_path: Path, key: bytes, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        path = tmp_path / "r.enc"
        before = fingerprint(CODE)
        backup.backup_region(CODE, path, key=key)
        assert archive.is_encrypted(path)
        assert b"results_score" not in path.read_bytes()  # nothing readable without the key
        other = archive.load_key_text(archive.new_key())
        with pytest.raises(backup.ArchiveError, match="Wrong key"):
            backup.restore_region(path, key=other, replace=True)
        with pytest.raises(backup.ArchiveError, match="encrypted"):
            backup.restore_region(path, replace=True)
        drop(CODE)
        backup.restore_region(path, key=key)
        assert fingerprint(CODE) == before


def test_key_from_file_through_the_commands(drill: Region, tmp_path: Path, django_db_blocker: Any) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(archive.new_key())
    with django_db_blocker.unblock():
        path = tmp_path / "r.enc"
        call_command(
            "backup_region",
            CODE,
            output=str(path),
            encrypt=True,
            key_file=str(key_file),
            stdout=io.StringIO(),
        )
        with pytest.raises(CommandError, match="encrypted"):
            call_command("restore_region", str(path), replace=True, stdout=io.StringIO())
        call_command("restore_region", str(path), replace=True, key_file=str(key_file), stdout=io.StringIO())


def test_altered_archives_are_refused_and_nothing_changes(
    drill: Region, tmp_path: Path, key: bytes, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        before = fingerprint(CODE)
        encrypted = tmp_path / "r.enc"
        backup.backup_region(CODE, encrypted, key=key)
        data = bytearray(encrypted.read_bytes())
        data[len(data) // 2] ^= 0x01
        altered = tmp_path / "altered.enc"
        altered.write_bytes(bytes(data))
        with pytest.raises(backup.ArchiveError, match="altered or damaged"):
            backup.restore_region(altered, key=key, replace=True)
        cut = tmp_path / "cut.enc"
        cut.write_bytes(encrypted.read_bytes()[: len(data) - 100])
        with pytest.raises(backup.ArchiveError, match=r"cut short|altered"):
            backup.restore_region(cut, key=key, replace=True)

        plain = tmp_path / "r.ikdbak"
        backup.backup_region(CODE, plain)
        unpacked = tmp_path / "unpacked"
        with tarfile.open(plain) as bundle:
            bundle.extractall(unpacked, filter="data")
        dump = unpacked / "schema.dump"
        content = bytearray(dump.read_bytes())
        content[len(content) // 2] ^= 0x01
        dump.write_bytes(bytes(content))
        edited = tmp_path / "edited.ikdbak"
        with tarfile.open(edited, "w") as bundle:
            for name in sorted(os.listdir(unpacked)):
                bundle.add(unpacked / name, arcname=name)
        with pytest.raises(backup.RestoreError, match=r"schema\.dump does not match its checksum"):
            backup.restore_region(edited, replace=True)
        assert fingerprint(CODE) == before


def test_restore_into_another_installation(drill: Region, tmp_path: Path, django_db_blocker: Any) -> None:
    """A second database with this installation's public schema and no region (a fresh installation of
    the same code version): the region arrives whole; an installation at another migration state refuses."""
    with django_db_blocker.unblock():
        path = tmp_path / "r.ikdbak"
        backup.backup_region(CODE, path)
        before = fingerprint(CODE)
        main = connection.settings_dict["NAME"]
        other = f"{main}_other"
        public = tmp_path / "public.dump"
        pgtools.run(
            [pgtools.binary("pg_dump"), "--format=custom", "--schema=public", f"--file={public}"],
            what="pg_dump",
        )
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{other}"')
            cursor.execute(f'CREATE DATABASE "{other}"')
        try:
            pgtools.run([pgtools.binary("psql"), "-c", "DROP SCHEMA public"], what="psql", database=other)
            pgtools.run(
                [pgtools.binary("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
                 "--exit-on-error", f"--dbname={other}", str(public)],
                what="pg_restore", database=other,
            )  # fmt: skip
            connection.close()
            connection.settings_dict["NAME"] = other
            with connection.cursor() as cursor:  # no region here: a fresh installation
                cursor.execute("TRUNCATE tenants_region CASCADE")
            backup.restore_region(path)
            assert fingerprint(CODE) == before
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM django_migrations WHERE app = 'billing' AND name LIKE '0001%%'")
            with pytest.raises(backup.RestoreError, match="another migration state"):
                backup.restore_region(path, replace=True)
        finally:
            connection.close()
            connection.settings_dict["NAME"] = main
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{other}"')


def test_public_rows_are_found_through_the_registry(drill: Region, django_db_blocker: Any) -> None:
    """Rows pointing at the region (directly or through a carried row) are carried; rows naming it by
    code only (published benchmark aggregates) stay with their owner."""
    with django_db_blocker.unblock():
        plan = region_plan(drill.pk, drill.code)
    carried = {table.label for table in plan.tables}
    assert {"tenants.Region", "tenants.Domain", "tenants.AuditEvent", "billing.Subscription"} <= carried
    assert "billing.InvoiceReminder" in carried  # through Invoice, one level down
    assert plan.tables[0].label == "tenants.Region"  # parents first
    assert any(entry.startswith("benchmark.Publication") for entry in plan.left_with_owner)
    assert not any(label.startswith("benchmark.") for label in carried)
    audit = next(table for table in plan.tables if table.label == "tenants.AuditEvent")
    assert audit.link_columns == ("region_id",)  # outlives the region: re-linked on restore


def test_backup_waits_for_a_migration_then_gives_up(
    drill: Region, tmp_path: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock(), pgtools.connect(autocommit=True) as migration:
        migration.execute("SELECT pg_advisory_lock(%s)", [backup.SCHEMA_CHANGE_LOCK])
        with pytest.raises(backup.ToolError, match="A migration holds the schema-change lock"):
            backup.backup_region(CODE, tmp_path / "r.ikdbak", wait_seconds=0.5)
        assert not (tmp_path / "r.ikdbak").exists()
        migration.execute("SELECT pg_advisory_unlock(%s)", [backup.SCHEMA_CHANGE_LOCK])
        backup.backup_region(CODE, tmp_path / "r.ikdbak", wait_seconds=0.5)
