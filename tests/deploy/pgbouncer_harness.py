"""PgBouncer for tests and the rehearsal, run from the documented file ``deploy/pgbouncer/pgbouncer.ini``.

Only addresses, paths, the auth method and what the caller asks for (the pool mode and size of a
test) are replaced, key by key; everything else is the production file as written. PgBouncer refuses to
run as root: when root runs this it starts PgBouncer as the user that can reach PostgreSQL's socket (the
embedded pgserver's own user) or as ``postgres``/``nobody`` for a TCP server. The Debian package is
installed when it is missing and we are root, as ``make browser-deps`` does for chromium.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"


def ensure_debian_package(command: str, package: str) -> str | None:
    """The command's path; installs ``package`` with apt first when the command is missing and we are
    root. None when it is missing and cannot be installed here."""
    found = shutil.which(command) or (
        f"/usr/sbin/{command}" if Path(f"/usr/sbin/{command}").exists() else None
    )
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, check=False, capture_output=True)
    return shutil.which(command)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def render(template: str, databases: Mapping[str, str], settings: Mapping[str, str]) -> str:
    """The template with its [databases] entries replaced and the [pgbouncer] keys in ``settings``
    overridden (missing ones appended). Comments and every other key are kept."""
    out: list[str] = []
    section = ""
    seen: set[str] = set()

    def close_section() -> None:
        if section == "databases":
            out.extend(f"{name} = {spec}" for name, spec in databases.items())
        if section == "pgbouncer":
            out.extend(f"{k} = {v}" for k, v in settings.items() if k not in seen)

    for raw in template.splitlines():
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            close_section()
            section = stripped[1:-1]
            out.append(raw)
            continue
        if section in {"databases", "pgbouncer"} and "=" in stripped and not stripped.startswith(";"):
            key = stripped.split("=", 1)[0].strip()
            if section == "databases":
                continue
            if key in settings:
                seen.add(key)
                out.append(f"{key} = {settings[key]}")
                continue
        out.append(raw)
    close_section()
    return "\n".join(out) + "\n"


def _run_as(host: str) -> tuple[int, int] | None:
    """(uid, gid) PgBouncer runs as when we are root. For a Unix socket: the socket folder's owner with
    our own group, as the embedded pgserver's PostgreSQL runs (config/embedded.py: the data folder
    lets that group through). For TCP: postgres (or nobody) with its own group."""
    if os.geteuid() != 0:
        return None
    if host.startswith("/"):
        return Path(host).stat().st_uid, os.getegid()
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    return None


class PgBouncer:
    """A PgBouncer process in a private folder, in front of the server a Django ``settings_dict`` names.

    ``start()`` returns the port it listens on (127.0.0.1); ``stop()`` ends it and removes the folder.
    Clients authenticate with ``auth_type`` (trust in tests: PostgreSQL here trusts local connections);
    the user and password of the settings go into the userlist so PgBouncer can log in to the server.
    """

    def __init__(self, db: Mapping[str, Any], *, pool_mode: str = "session", extra: Mapping[str, str] = {}):
        self.db = db
        self.pool_mode = pool_mode
        self.extra = dict(extra)
        self.port = 0
        self.folder: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, binary: str = "pgbouncer") -> int:
        host = self.db.get("HOST") or self.db.get("OPTIONS", {}).get("host") or "/var/run/postgresql"
        user = self.db.get("USER") or "postgres"
        password = self.db.get("PASSWORD") or ""
        run_as = _run_as(host)
        self.folder = Path(tempfile.mkdtemp(prefix="ikd-pgbouncer-"))
        self.port = free_port()
        spec = f"host={host} port={self.db.get('PORT') or 5432} dbname={self.db['NAME']}"
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": str(self.folder / "userlist.txt"),
            "logfile": str(self.folder / "pgbouncer.log"),
            "pidfile": str(self.folder / "pgbouncer.pid"),
            "admin_users": user,
            "stats_users": user,
            "pool_mode": self.pool_mode,
            **self.extra,
        }
        (self.folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
        (self.folder / "pgbouncer.ini").write_text(
            render(TEMPLATE.read_text(), {self.db["NAME"]: spec}, settings)
        )
        if run_as:
            for path in [self.folder, *self.folder.iterdir()]:
                os.chown(path, *run_as)
        self.folder.chmod(0o700)
        command = [binary, "-q", str(self.folder / "pgbouncer.ini")]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=run_as[0] if run_as else None,
            group=run_as[1] if run_as else None,
            extra_groups=[] if run_as else None,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                time.sleep(0.1)
                continue
            self._check_server(user)
            return self.port
        raise RuntimeError(f"pgbouncer did not listen on {self.port}: {self.log()}")

    def _check_server(self, user: str) -> None:
        """One query through PgBouncer, so that a server it cannot reach fails here, clearly."""
        import psycopg

        name = str(self.db["NAME"])
        try:
            with psycopg.connect(
                host="127.0.0.1", port=self.port, user=user, dbname=name, connect_timeout=10
            ) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            self.stop()
            raise RuntimeError(f"pgbouncer cannot reach PostgreSQL for {name}: {error}") from error

    def log(self) -> str:
        path = self.folder / "pgbouncer.log" if self.folder else None
        return path.read_text()[-2000:] if path and path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
