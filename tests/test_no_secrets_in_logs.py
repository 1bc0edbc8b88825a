"""No NIP, password, access code or token appears in any log line.

One test plays the flows that handle such secrets, through HTTP as a browser would: an employee signs in
at /tes/ with NIP and code (after a wrong code), an admin fails to sign in, a password is reset through
the mailed link and a forged link is opened. Every logger is set to DEBUG for the while; what they
record, and what reaches stdout and stderr, must hold none of the secrets.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.rounds.models import Participant
from assessment.rounds.services import codes
from tests.assessment.rounds.conftest import open_round, staffed
from tests.factories import PASSWORD, make_user

__all__ = ["staffed"]  # the fixture, used here by name

BUDI = "198703122010011003"
NEW_PASSWORD = "Kata-Sandi-Baru-2026!"
WRONG_PASSWORD = "Tebakan-Salah-2026?"


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    loggers = [
        logging.getLogger(),
        *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict)),
    ]
    levels = [(logger, logger.level) for logger in loggers]
    caplog.set_level(logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield caplog
    finally:
        for logger, level in levels:
            logger.setLevel(level)


def test_no_secret_reaches_a_log(
    staffed: Any, every_logger_at_debug: pytest.LogCaptureFixture, capfd: Any, mailoutbox: Any
) -> None:
    round_ = open_round(staffed)
    with schema_context(staffed.schema_name):
        code = codes.code_for(Participant.objects.get(round=round_, employee__nip=BUDI))
    admin = make_user(staffed, Role.REGION_ADMIN)
    capfd.readouterr()
    every_logger_at_debug.clear()

    # The employee: a wrong code, then the right one.
    phone = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR="198.51.100.201")
    assert phone.post("/tes/", {"nip": BUDI, "code": "ZZZZ9999"}).status_code == 400
    assert phone.post("/tes/", {"nip": BUDI, "code": code})["Location"] == "/tes/mulai/"

    # The admin: a wrong password.
    office = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR="198.51.100.202")
    assert office.post("/akun/login/", {"login": admin.email, "password": WRONG_PASSWORD}).status_code == 200

    # A password reset through the mailed link; then a forged link.
    assert office.post("/akun/password/reset/", {"email": admin.email}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/akun/password/reset/key/[^\s]+/)", mailoutbox[-1].body)
    assert link is not None, mailoutbox[-1].body
    path = link.group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]  # <user in base 36>-<key>
    opened = office.get(path)
    assert opened.status_code == 302  # allauth moves the key from the address into the session
    form = office.post(opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert form.status_code == 302
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    office.get(path.replace(token, forged))
    signed_in = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR="198.51.100.203")
    assert signed_in.post("/akun/login/", {"login": admin.email, "password": NEW_PASSWORD}).status_code == 302

    out, err = capfd.readouterr()
    records = every_logger_at_debug.records
    assert records  # the capture works: the flows above do log (a 400, the failed sign-in…)
    lines = [record.getMessage() for record in records] + [
        str(record.args) for record in records if record.args
    ]
    text = "\n".join([*lines, out, err])
    secrets = {
        "NIP": BUDI,
        "access code": code,
        "wrong code": "ZZZZ9999",
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "new password": NEW_PASSWORD,
        "reset token": token,
        "reset key": token.split("-", 1)[1],
        "forged token": forged,
    }
    leaked = {name: value for name, value in secrets.items() if value in text}
    assert not leaked, f"in the logs: {sorted(leaked)}\n{text}"


# --- The net under it: addresses that carry a key (config.logredact) ---


def test_keys_in_request_paths_are_masked_before_any_handler(caplog: pytest.LogCaptureFixture) -> None:
    """Django logs the path of every 4xx/5xx; a reset link opened after its key expired is one."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("django.request").warning(
        "Not Found: %s", "/akun/password/reset/key/1a-c3k4-0a1b2c3d4e5f/"
    )
    logging.getLogger("django.request").warning("Gone: %s", "/masuk/token/eyJzIjoic2FtYXJpbmRhIn0:1tX:abc/")
    logging.getLogger("django.server").info('"GET /tes/?nip=198703122010011003&code=ABCD2345 HTTP/1.1" 400')
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("c3k4-0a1b2c3d4e5f", "eyJzIjoic2FtYXJpbmRhIn0", BUDI, "ABCD2345"):
        assert secret not in text
    assert "/akun/password/reset/key/[redacted]/" in text


def test_the_gunicorn_access_log_masks_keys() -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.logredact import GunicornLogger

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/akun/password/reset/key/1a-c3k4-0a1b2c3d4e5f/",
        "PATH_INFO": "/akun/password/reset/key/1a-c3k4-0a1b2c3d4e5f/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://samarinda.example/masuk/token/abcdef123/",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    atoms = GunicornLogger(Config()).atoms(response, SimpleNamespace(headers=[]), environ, timedelta(0))
    line = " ".join(str(value) for value in atoms.values())
    assert "c3k4-0a1b2c3d4e5f" not in line
    assert "abcdef123" not in line
    assert atoms["r"] == "GET /akun/password/reset/key/[redacted]/ HTTP/1.1"


def test_a_traceback_quoting_a_nip_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    """A failed import's traceback may quote a row (a unique-key error names the NIP)."""
    from config.logredact import RedactingFilter

    logger = logging.getLogger("tests.traceback")
    logger.addFilter(RedactingFilter())
    try:
        try:
            raise ValueError(
                f"duplicate key value violates unique constraint: Key (nip)=({BUDI}) already exists"
            )
        except ValueError:
            logger.exception("Import %s failed", 7)
    finally:
        logger.filters.clear()
    assert BUDI not in caplog.text
    assert "Key (nip)=([redacted])" in caplog.text
