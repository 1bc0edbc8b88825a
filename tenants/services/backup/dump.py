"""Backing up one region: its schema with ``pg_dump -n`` and its public rows, from one snapshot."""

# Client tools run from a resolved path with fixed arguments (no shell); SQL is built only from quoted
# identifiers and catalogue names (plan.quote_ident), never from user text.
# ruff: noqa: S603, S608

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.db import connection

from tenants.models import Region
from tenants.services.backup import archive, pgtools
from tenants.services.backup.plan import PublicTable, quote_ident, region_plan

FORMAT = 1
# Every session that computes or compares checksums renders values the same way.
SESSION_SETTINGS = (
    "SET TimeZone = 'UTC'; SET DateStyle = ISO, MDY; SET IntervalStyle = postgres;"
    " SET extra_float_digits = 1; SET bytea_output = hex"
)


class BackupError(RuntimeError):
    """The region cannot be backed up; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    schema_tables: int
    schema_rows: int
    public_rows: int
    size_bytes: int
    seconds: float
    encrypted: bool


def checksum_sql(qualified: str, columns: list[str] | tuple[str, ...], where: str | None = None) -> str:
    """Rows and an order-independent checksum (sum of 64-bit row hashes, columns in name order)."""
    row = "ROW(" + ", ".join(f"t.{quote_ident(column)}" for column in sorted(columns)) + ")::text"
    sql = (
        f"SELECT count(*)::text || ':' || coalesce(sum(('x' || left(md5({row}), 16))::bit(64)::bigint"
        f"::numeric), 0)::text FROM {qualified} t"
    )
    return sql + (f" WHERE {where}" if where else "")


def table_checksum_sql(qualified: str) -> str:
    """The same over a whole table of a region schema, its columns in their own order (pg_dump keeps it)."""
    return (
        "SELECT count(*)::text || ':' || coalesce(sum(('x' || left(md5(r::text), 16))::bit(64)::bigint"
        f"::numeric), 0)::text FROM (SELECT * FROM {qualified}) r"
    )


def schema_tables(conn: Any, schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [schema],
    ).fetchall()
    return [row[0] for row in rows]


def applied_migrations(conn: Any, schema: str) -> list[str]:
    rows = conn.execute(f"SELECT app, name FROM {quote_ident(schema)}.django_migrations").fetchall()
    return sorted(f"{app}.{name}" for app, name in rows)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def backup_region(
    code: str, target: Path, *, key: bytes | None = None, wait_seconds: float = 300.0
) -> BackupResult:
    """Write region ``code``'s archive to ``target`` (encrypted when ``key`` is given)."""
    started = time.perf_counter()
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise BackupError(f"No region with code {code} in this installation.")
    schema = region.schema_name
    plan = region_plan(region.pk, region.code)
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder: give the archive's file name.")
    pg_dump = pgtools.binary("pg_dump")
    with tempfile.TemporaryDirectory(prefix="ikd-backup-", dir=target.parent) as work_name:
        work = Path(work_name)
        (work / "public").mkdir()
        with pgtools.connect(autocommit=True) as conn:
            conn.execute(SESSION_SETTINGS)
            with pgtools.schema_change_lock(conn, shared=True, wait_seconds=wait_seconds):
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
                if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone():
                    raise BackupError(f"Region {code} has no schema {schema} in this database.")
                # pg_dump reads the same snapshot while this session checksums and copies the rest.
                dump = subprocess.Popen(
                    [pg_dump, "--format=custom", "--compress=1", f"--snapshot={snapshot}",
                     f"--schema={quote_ident(schema)}", f"--file={work / 'schema.dump'}"],
                    env=pgtools.libpq_env(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )  # fmt: skip
                try:
                    tables = {
                        table: str(
                            conn.execute(
                                table_checksum_sql(f"{quote_ident(schema)}.{quote_ident(table)}")
                            ).fetchone()[0]
                        )
                        for table in schema_tables(conn, schema)
                    }
                    public = [
                        _copy_public(conn, table, index, work) for index, table in enumerate(plan.tables)
                    ]
                    migrations = {
                        "public": applied_migrations(conn, "public"),
                        "schema": applied_migrations(conn, schema),
                    }
                    server_version = conn.execute("SHOW server_version").fetchone()[0]
                finally:
                    _, errors = dump.communicate()
                conn.execute("COMMIT")
        if dump.returncode != 0:
            raise BackupError(
                f"pg_dump failed (exit {dump.returncode}): {errors.decode(errors='replace').strip()}"
            )
        members = ["schema.dump"] + [str(entry["member"]) for entry in public]
        manifest = {
            "format": FORMAT,
            "kind": "ikd-region-backup",
            "created_at": datetime.now(UTC).isoformat(),
            "region": {"code": region.code, "name": region.name, "schema": schema, "pk": region.pk},
            "versions": {
                "postgresql": server_version,
                "pg_dump": subprocess.run(
                    [pg_dump, "--version"], capture_output=True, text=True
                ).stdout.strip(),
                "django": _version("django"),
                "django-tenants": _version("django-tenants"),
                "ikd": _version("ikd"),
            },
            "migrations": migrations,
            "schema_tables": tables,
            "public_tables": public,
            "left_with_owner": list(plan.left_with_owner),
            "members": {name: archive.sha256_file(work / name) for name in members},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        tar_path = work / "region.tar"
        with tarfile.open(tar_path, "w") as bundle:
            for name in ["manifest.json", *members]:
                bundle.add(work / name, arcname=name)
        partial = work / "archive.partial"
        if key is not None:
            with tar_path.open("rb") as source, partial.open("wb") as sink:
                archive.encrypt(source, sink, key)
            tar_path.unlink()
        else:
            tar_path.rename(partial)
        partial.chmod(0o600)
        os.replace(partial, target)  # complete or absent: never a half-written archive under the name
    return BackupResult(
        path=target,
        schema_tables=len(tables),
        schema_rows=sum(int(value.split(":")[0]) for value in tables.values()),
        public_rows=sum(int(str(entry["checksum"]).split(":")[0]) for entry in public),
        size_bytes=target.stat().st_size,
        seconds=time.perf_counter() - started,
        encrypted=key is not None,
    )


def _checksum(
    conn: Any, qualified: str, columns: list[str] | tuple[str, ...], where: str | None = None
) -> str:
    return str(conn.execute(checksum_sql(qualified, columns, where)).fetchone()[0])


def _copy_public(conn: Any, table: PublicTable, index: int, work: Path) -> dict[str, object]:
    member = f"public/{index:02d}_{table.table}.copy"
    columns = ", ".join(quote_ident(column) for column in table.columns)
    query = f"COPY (SELECT {columns} FROM public.{quote_ident(table.table)} WHERE {table.where}) TO STDOUT"
    with (work / member).open("wb") as sink, conn.cursor().copy(query) as copy:
        for block in copy:
            sink.write(block)
    checksum = _checksum(conn, f"public.{quote_ident(table.table)}", table.columns, table.where)
    return {**table.as_dict(), "member": member, "checksum": checksum}
