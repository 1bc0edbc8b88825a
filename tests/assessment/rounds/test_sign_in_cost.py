"""A taker's sign-in writes the session once (issue #20's start storm), and still never keeps a key
it did not make (session fixation)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from assessment.rounds.models import Participant
from assessment.rounds.services import codes
from tenants.sessions import SessionStore
from tests.assessment.rounds.conftest import open_round
from tests.assessment.rounds.test_answer_shapes import BUDI

HOST = "samarinda.localhost"


def _sign_in(client: Client, region: Any) -> tuple[Any, list[str]]:
    round_ = open_round(region)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})
    assert response.status_code == 302, response.content
    return response, [q["sql"] for q in queries]


def _session_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if "django_session" in s and not s.lstrip().startswith("SELECT")]


def test_a_fresh_sign_in_writes_the_session_row_once(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    response, statements = _sign_in(client, staffed)
    writes = _session_writes(statements)
    assert len(writes) == 1, writes
    assert writes[0].lstrip().startswith("INSERT"), writes
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    with schema_context(staffed.schema_name):
        assert SessionStore(key).load()  # what the view put in it was saved with that one write
    assert client.get("/tes/mulai/").status_code == 200  # and the taker is signed in


def test_a_planted_session_key_is_replaced_at_sign_in(staffed: Any) -> None:
    # An attacker's session, made on the same site and planted in the victim's browser.
    with schema_context(staffed.schema_name):
        planted = SessionStore()
        planted["planted"] = True
        planted.create()
    client = Client(HTTP_HOST=HOST)
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    response, _ = _sign_in(client, staffed)
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert key != planted.session_key
    with schema_context(staffed.schema_name):
        assert SessionStore(planted.session_key).load() == {}  # the planted one no longer exists
        assert SessionStore(key).load().get("planted")  # its data carried over, as Django's cycle_key


def test_an_unknown_key_from_the_cookie_is_never_used(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    made_up = "x" * 32
    client.cookies[settings.SESSION_COOKIE_NAME] = made_up
    response, _ = _sign_in(client, staffed)
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert key != made_up
    assert len(key) == 32


def test_the_store_is_the_sites_session_engine() -> None:
    from importlib import import_module

    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, SessionStore)


def test_the_session_is_written_in_one_statement_without_a_transaction_of_its_own(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    _, statements = _sign_in(client, staffed)
    # Django's store put BEGIN/COMMIT (here, inside the test's transaction: a savepoint) around it.
    assert not [s for s in statements if "SAVEPOINT" in s or s.strip() in {"BEGIN", "COMMIT"}], statements
    with schema_context(staffed.schema_name):
        session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
        session["more"] = 1
        with CaptureQueriesContext(connection) as queries:
            session.save()  # an existing session: one UPDATE
        writes = [q["sql"] for q in queries]
        assert len(writes) == 1, writes
        assert writes[0].startswith("UPDATE"), writes
        assert SessionStore(session.session_key).load()["more"] == 1


def test_a_taken_key_is_refused_and_the_transaction_goes_on(staffed: Any) -> None:
    from django.contrib.sessions.backends.base import CreateError, UpdateError

    with schema_context(staffed.schema_name):
        first = SessionStore()
        first["who"] = "first"
        first.create()
        second = SessionStore(first.session_key)
        second._session_cache = {"who": "second"}
        try:
            second.save(must_create=True)
        except CreateError:
            pass
        else:
            raise AssertionError("a taken key was written over")
        # No failed INSERT aborted the surrounding transaction (the test's): it still answers.
        assert SessionStore(first.session_key).load() == {"who": "first"}
        gone = SessionStore(first.session_key)
        assert gone["who"] == "first"  # read by this request before another signed out
        first.delete()
        gone["late"] = True
        try:
            gone.save()  # deleted meanwhile (signed out in another tab): Django's UpdateError
        except UpdateError:
            pass
        else:
            raise AssertionError("a deleted session was written again")
