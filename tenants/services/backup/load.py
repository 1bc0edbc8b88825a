"""Restoring one region from its archive: schema and public rows in one transaction, verified before
the commit against the manifest's row counts and checksums (a mismatch rolls everything back)."""

# Client tools run from a resolved path with fixed arguments (no shell); SQL is built only from quoted
# identifiers, quoted literals and the manifest's checked table plan, never from user text.
# ruff: noqa: S603, S608

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tenants.models import Region
from tenants.services.backup import archive, pgtools
from tenants.services.backup.dump import (
    FORMAT,
    SESSION_SETTINGS,
    applied_migrations,
    checksum_sql,
    table_checksum_sql,
)
from tenants.services.backup.plan import PublicTable, quote_ident, quote_literal, region_plan


class RestoreError(RuntimeError):
    """The archive cannot be restored here; the message says why and nothing was changed."""


@dataclass(frozen=True)
class RestoreResult:
    code: str
    schema: str
    schema_tables: int
    schema_rows: int
    public_rows: int
    seconds: float
    replaced: bool


def read_manifest(path: Path, work: Path, key: bytes | None) -> dict[str, Any]:
    """Open the archive into ``work`` (decrypting it), check every member, return the manifest."""
    path = Path(path)
    if not path.is_file():
        raise RestoreError(f"No archive at {path}.")
    tar_path = path
    if archive.is_encrypted(path):
        tar_path = work / "region.tar"
        with path.open("rb") as source, tar_path.open("wb") as sink:
            archive.decrypt(source, sink, key)
    try:
        with tarfile.open(tar_path, "r:") as bundle:
            names = bundle.getnames()
            if "manifest.json" not in names:
                raise RestoreError(f"{path} is not an IKD region archive (no manifest).")
            bundle.extractall(work, filter="data")
    except tarfile.TarError as error:
        raise RestoreError(f"{path} is not a readable IKD region archive ({error}).") from error
    if tar_path != path:
        tar_path.unlink()
    try:
        manifest: dict[str, Any] = json.loads((work / "manifest.json").read_text())
    except ValueError as error:
        raise RestoreError(f"The manifest of {path} is damaged: {error}.") from error
    if manifest.get("kind") != "ikd-region-backup" or manifest.get("format") != FORMAT:
        raise RestoreError(f"{path} is not a region archive of format {FORMAT}.")
    for name, digest in manifest["members"].items():
        member = work / name
        if not member.is_file() or archive.sha256_file(member) != digest:
            raise RestoreError(f"The archive was altered or damaged: {name} does not match its checksum.")
    return manifest


def _tenant_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}


def check_migrations(manifest: dict[str, Any], conn: Any) -> None:
    """Same code version: the public migrations applied here equal the archive's, and the archive's
    region schema is at the state this code gives a region."""
    problems = []
    here_public = set(applied_migrations(conn, "public"))
    there_public = set(manifest["migrations"]["public"])
    labels = _tenant_labels()
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    code_schema = {f"{app}.{name}" for app, name in loader.graph.nodes if app in labels}
    there_schema = {node for node in manifest["migrations"]["schema"] if node.split(".", 1)[0] in labels}
    for what, theirs, ours in (
        ("public schema", there_public, here_public),
        ("region schema", there_schema, code_schema),
    ):
        if theirs != ours:
            only_there = sorted(theirs - ours)[:5]
            only_here = sorted(ours - theirs)[:5]
            problems.append(f"{what}: archive only {only_there or '-'}, here only {only_here or '-'}")
    if problems:
        raise RestoreError(
            "The archive was made at another migration state; restore it into an installation running the"
            " same code version, migrated with migrate_schemas. " + "; ".join(problems)
        )


def restore_region(
    path: Path, *, key: bytes | None = None, replace: bool = False, wait_seconds: float = 300.0
) -> RestoreResult:
    """Restore the region in ``path``. Refuses when the region or its schema exists, unless ``replace``."""
    started = time.perf_counter()
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="ikd-restore-") as work_name:
        work = Path(work_name)
        manifest = read_manifest(Path(path), work, key)
        region = manifest["region"]
        code, schema = str(region["code"]), str(region["schema"])
        tables = [PublicTable.from_dict(entry) for entry in manifest["public_tables"]]
        with pgtools.connect(autocommit=True) as conn:
            conn.execute(SESSION_SETTINGS)
            with pgtools.schema_change_lock(conn, shared=True, wait_seconds=wait_seconds):
                check_migrations(manifest, conn)
                existing = Region.objects.filter(code=code).first()
                schema_there = conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]
                ).fetchone()
                if (existing is not None or schema_there) and not replace:
                    what = f"region {code}" if existing is not None else f"schema {schema}"
                    raise RestoreError(
                        f"The {what} already exists here: drop the region first, or pass --replace to"
                        " overwrite it with the archive."
                    )
                prologue = _replace_sql(existing, schema) if replace else ""
                _run_psql(work, prologue, _public_sql(work, manifest, tables), _verify_sql(manifest, tables))
    schema_tables = manifest["schema_tables"]
    return RestoreResult(
        code=code,
        schema=schema,
        schema_tables=len(schema_tables),
        schema_rows=sum(int(str(value).split(":")[0]) for value in schema_tables.values()),
        public_rows=sum(int(str(entry["checksum"]).split(":")[0]) for entry in manifest["public_tables"]),
        seconds=time.perf_counter() - started,
        replaced=replace,
    )


def _replace_sql(existing: Region | None, schema: str) -> str:
    """Take out what is there now (inside the restore's transaction): children first; survivors'
    keys emptied as the region's deletion would."""
    statements = [f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE;"]
    if existing is not None:
        if existing.schema_name != schema:
            statements.append(f"DROP SCHEMA IF EXISTS {quote_ident(existing.schema_name)} CASCADE;")
        for table in reversed(region_plan(existing.pk, existing.code).tables):
            name = f"public.{quote_ident(table.table)}"
            if table.link_columns:
                sets = ", ".join(f"{quote_ident(column)} = NULL" for column in table.link_columns)
                statements.append(f"UPDATE {name} SET {sets} WHERE {table.where};")
            else:
                statements.append(f"DELETE FROM {name} WHERE {table.where};")
    return "\n".join(statements) + "\n"


def _public_sql(work: Path, manifest: dict[str, Any], tables: list[PublicTable]) -> list[str | Path]:
    """Per table: load the archived rows into a temporary table, refuse rows whose key is taken by
    another row, re-link survivors, insert the rest, move the key's sequence past them."""
    parts: list[str | Path] = [SESSION_SETTINGS + ";\nSET search_path = public;\n"]
    for index, (table, entry) in enumerate(zip(tables, manifest["public_tables"], strict=True)):
        temp = quote_ident(f"_ikd_restore_{index}")
        name = f"public.{quote_ident(table.table)}"
        columns = ", ".join(quote_ident(column) for column in table.columns)
        pk = quote_ident(table.pk)
        compared = [column for column in table.columns if column not in table.link_columns]
        ours = "ROW(" + ", ".join(f"x.{quote_ident(c)}" for c in compared) + ")::text"
        theirs = "ROW(" + ", ".join(f"r.{quote_ident(c)}" for c in compared) + ")::text"
        parts.append(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM {name} WITH NO DATA;\n"
            f"COPY {temp} ({columns}) FROM stdin;\n"
        )
        parts.append(work / str(entry["member"]))
        parts.append(
            "\\.\n"
            "DO $ikd$ DECLARE taken text; BEGIN\n"
            f"  SELECT string_agg(r.{pk}::text, ', ') INTO taken FROM {temp} r"
            f" JOIN {name} x ON x.{pk} = r.{pk}"
            f" WHERE {ours} IS DISTINCT FROM {theirs};\n"
            "  IF taken IS NOT NULL THEN RAISE EXCEPTION '%', "
            + quote_literal(f"{table.table}: rows with key ")
            + " || taken || "
            + quote_literal(" exist here with other content (not this region's rows); restore refused")
            + ";\n  END IF;\nEND $ikd$;\n"
        )
        if table.link_columns:
            sets = ", ".join(f"{quote_ident(c)} = r.{quote_ident(c)}" for c in table.link_columns)
            parts.append(f"UPDATE {name} x SET {sets} FROM {temp} r WHERE x.{pk} = r.{pk};\n")
        parts.append(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {temp} r"
            f" WHERE NOT EXISTS (SELECT 1 FROM {name} x WHERE x.{pk} = r.{pk});\n"
        )
        if table.serial:
            parts.append(
                f"SELECT setval(pg_get_serial_sequence({quote_literal(name)}, {quote_literal(table.pk)}),"
                f" greatest((SELECT max({pk}) FROM {name}), 1));\n"
            )
    return parts


def _verify_sql(manifest: dict[str, Any], tables: list[PublicTable]) -> str:
    """A DO block comparing every table's rows and checksum with the manifest; raises on a difference."""
    schema = quote_ident(str(manifest["region"]["schema"]))
    checks: list[tuple[str, str, str]] = []
    for table, expected in sorted(manifest["schema_tables"].items()):
        checks.append(
            (f"{manifest['region']['schema']}.{table}", f"{schema}.{quote_ident(table)}", str(expected))
        )
    lines = ["DO $ikd$ DECLARE got text; bad text := ''; BEGIN"]
    lines.append(
        f"  IF (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE"
        f" n.nspname = {quote_literal(str(manifest['region']['schema']))} AND c.relkind IN ('r', 'p'))"
        f" <> {len(checks)} THEN bad := bad || ' (the schema has another number of tables)'; END IF;"
    )
    for label, qualified, expected in checks:
        lines.append(f"  EXECUTE {quote_literal(table_checksum_sql(qualified))} INTO got;")
        lines.append(_compare(label, expected))
    for table, entry in zip(tables, manifest["public_tables"], strict=True):
        sql = checksum_sql(f"public.{quote_ident(table.table)}", table.columns, table.where)
        lines.append(f"  EXECUTE {quote_literal(sql)} INTO got;")
        lines.append(_compare(f"public.{table.table}", str(entry["checksum"])))
    lines.append(
        "  IF bad <> '' THEN RAISE EXCEPTION 'restored rows differ from the archive:%', bad; END IF;"
    )
    lines.append("END $ikd$;")
    return "\n".join(lines) + "\n"


def _compare(label: str, expected: str) -> str:
    return (
        f"  IF got <> {quote_literal(expected)} THEN bad := bad || "
        + quote_literal(f" {label} (archive {expected}, restored ")
        + " || got || ')'; END IF;"
    )


def _run_psql(work: Path, prologue: str, public: list[str | Path], verify: str) -> None:
    """Stream prologue, the schema (pg_restore's script), the public rows and the check into one psql
    session run as a single transaction that stops at the first error."""
    pg_restore, psql = pgtools.binary("pg_restore"), pgtools.binary("psql")
    errors_path = work / "psql.err"
    with errors_path.open("wb") as errors:
        session = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"],
            env=pgtools.libpq_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        assert session.stdin is not None
        try:
            session.stdin.write(prologue.encode())
            script = subprocess.Popen(
                [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(work / "schema.dump")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            assert script.stdout is not None
            shutil.copyfileobj(script.stdout, session.stdin, 1 << 20)
            _, restore_errors = script.communicate()
            if script.returncode != 0:
                session.kill()
                raise RestoreError(
                    f"pg_restore could not read the schema dump: {restore_errors.decode().strip()}"
                )
            for part in public:
                _write_part(session.stdin, part)
            session.stdin.write(verify.encode())
            session.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error: its message follows
        session.wait()
    if session.returncode != 0:
        lines = errors_path.read_text(errors="replace").splitlines()
        detail = "\n".join(line for line in lines if "ERROR" in line or "DETAIL" in line) or "\n".join(
            lines[-5:]
        )
        raise RestoreError(f"The restore was rolled back, nothing changed: {detail.strip()}")


def _write_part(sink: IO[bytes], part: str | Path) -> None:
    if isinstance(part, Path):
        with part.open("rb") as source:
            shutil.copyfileobj(source, sink, 1 << 20)
    else:
        sink.write(part.encode())
