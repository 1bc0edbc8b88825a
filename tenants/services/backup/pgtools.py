"""PostgreSQL client tools and connections for backups: the right ``pg_dump``/``pg_restore``/``psql``,
libpq settings taken from Django's, and the advisory lock that keeps backups and migrations apart.

Binaries: a ``pg_dump`` older than the server refuses to dump it, and one much newer writes settings an
older server rejects; so the tools whose major version equals the server's are preferred, else the
nearest newer. Candidates, in order: ``IKD_PG_BIN_DIR``, the binaries pgserver ships (the embedded
default's server is one of them), ``/usr/lib/postgresql/*/bin`` (Debian), then ``PATH``.

The lock: ``pg_dump`` holds ACCESS SHARE on every table of the schema for the whole dump, so an
``ALTER TABLE`` of a migration waits behind it (and every query of the region then waits behind the
migration). Backups and restores therefore take :data:`SCHEMA_CHANGE_LOCK` *shared*, and a migration
run takes it *exclusive* (``pg_advisory_lock(5281390112423824705)``), so that one waits for the other
instead of piling up locks on live tables.
"""

# The tools run from a resolved path, arguments as a list (no shell).
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.db import connection

# A fixed key, so that other code (migrate_schemas) can take the same lock: int.from_bytes(b"IKDSCHMA").
SCHEMA_CHANGE_LOCK = 5281390112423824705


class ToolError(RuntimeError):
    """A client tool is missing or failed; the message says which and why."""


_LIBPQ = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


def _params() -> dict[str, str]:
    """Django's own libpq parameters (a socket folder in OPTIONS for the embedded default)."""
    params = connection.get_connection_params()
    return {key: str(params[key]) for key in _LIBPQ if params.get(key) not in (None, "")}


def libpq_env() -> dict[str, str]:
    """The environment a client tool needs to reach Django's database (password never on a command line)."""
    env = dict(os.environ)
    env.update({_LIBPQ[key]: value for key, value in _params().items()})
    return env


def connect(**kwargs: Any) -> Any:
    """A psycopg connection of its own (a snapshot and a session lock need one), to Django's database."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    return psycopg.connect(make_conninfo(**_params()), **kwargs)


def _candidate_dirs() -> list[Path]:
    dirs: list[Path] = []
    if os.environ.get("IKD_PG_BIN_DIR"):
        dirs.append(Path(os.environ["IKD_PG_BIN_DIR"]))
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    dirs.extend(Path(found) for found in sorted(glob.glob("/usr/lib/postgresql/*/bin")))
    for name in ("pg_dump",):
        found = shutil.which(name)
        if found:
            dirs.append(Path(found).resolve().parent)
    return dirs


@cache
def _major(binary: str) -> int | None:
    try:
        output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"\) (\d+)", output)
    return int(match.group(1)) if match else None


def server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def binary(name: str, major: int | None = None) -> str:
    """The path of client tool ``name`` for a server of ``major`` (default: Django's server)."""
    major = major if major is not None else server_major()
    found: dict[int, str] = {}
    for folder in _candidate_dirs():
        path = folder / name
        if path.is_file() and os.access(path, os.X_OK):
            version = _major(str(path))
            if version is not None:
                found.setdefault(version, str(path))
    if major in found:
        return found[major]
    newer = sorted(version for version in found if version > major)
    if newer:
        return found[newer[0]]
    raise ToolError(
        f"No {name} for PostgreSQL {major} was found (found: "
        f"{', '.join(f'{v}: {p}' for v, p in sorted(found.items())) or 'none'}). Install the PostgreSQL "
        f"{major} client tools or set IKD_PG_BIN_DIR to their folder."
    )


def run(args: list[str], *, what: str, database: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a client tool (on ``database``, default Django's); on failure raise :class:`ToolError` with its
    own error text."""
    env = libpq_env()
    if database:
        env["PGDATABASE"] = database
    result = subprocess.run(args, env=env, capture_output=True)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip()
        raise ToolError(f"{what} failed ({Path(args[0]).name} exit {result.returncode}): {detail}")
    return result


@contextlib.contextmanager
def schema_change_lock(conn: Any, *, shared: bool, wait_seconds: float) -> Iterator[None]:
    """Hold :data:`SCHEMA_CHANGE_LOCK` on ``conn`` (a session lock: it outlives transactions)."""
    import psycopg

    kind = "pg_advisory_lock_shared" if shared else "pg_advisory_lock"
    previous = conn.execute("SHOW lock_timeout").fetchone()[0]
    conn.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(wait_seconds * 1000)}ms"])
    try:
        conn.execute(f"SELECT {kind}(%s)", [SCHEMA_CHANGE_LOCK])
    except psycopg.errors.LockNotAvailable as error:
        raise ToolError(
            f"A migration holds the schema-change lock ({SCHEMA_CHANGE_LOCK}); waited {wait_seconds:.0f} s."
            " Try again after it finishes, or wait longer (--wait)."
        ) from error
    finally:
        conn.execute("SELECT set_config('lock_timeout', %s, false)", [previous])
    try:
        yield
    finally:
        unlock = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
        with contextlib.suppress(Exception):
            conn.execute(f"SELECT {unlock}(%s)", [SCHEMA_CHANGE_LOCK])
