"""A platform operator's authenticator is enrolled only through the one-time link made with the account.

The attack: someone who has the operator's password (leaked, guessed) signs in before the operator has
set up two-factor authentication; the site sends them to the activation page, and the authenticator
they enrol (their phone) then guards the operator account against its owner.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.management import call_command
from django.test import Client

from accounts import enrolment
from accounts.models import User
from accounts.roles import Role
from tenants.management.commands.seed_demo import Command as SeedDemo
from tests.factories import PASSWORD, make_user

ACTIVATE = "/akun/2fa/totp/activate/"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def activation_page(client: Client) -> Any:
    """allauth's activation page, confirming the password first when allauth asks for it (it does for
    every change of authenticators, even just after signing in)."""
    response = client.get(ACTIVATE)
    if response.status_code == 302 and response["Location"].startswith("/akun/reauthenticate/"):
        assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
        response = client.get(ACTIVATE)
    return response


def current_code(client: Client) -> str:
    """What the authenticator app shows for the secret the activation page handed out."""
    import time

    secret = client.session[SECRET_SESSION_KEY]
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def enrolled(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def path_of(link: str) -> str:
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("http", "localhost")
    return parts.path


def test_the_operators_password_alone_cannot_enrol_an_authenticator(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    attacker = signed_in(operator)
    response = attacker.get("/operator/")
    assert response["Location"].startswith(ACTIVATE)  # still sent there: nothing else opens
    page = activation_page(attacker)
    if page.status_code == 200:  # what the attacker did before: scan the QR code, enter the code
        attacker.post(ACTIVATE, {"code": current_code(attacker)})
    assert page.status_code == 403
    assert "tautan pendaftaran" in page.content.decode()  # says what to do instead
    assert attacker.post(ACTIVATE, {"code": "123456"}).status_code == 403
    assert not enrolled(operator)
    assert attacker.get("/operator/")["Location"].startswith(ACTIVATE)


def test_with_the_link_the_operator_enrols(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    link = path_of(enrolment.issue_link(operator))
    client = signed_in(operator)
    page = client.get(link)  # reachable although every other page sends them to the activation
    assert page.status_code == 200
    assert operator.email in page.content.decode()
    response = client.post(link)
    assert response["Location"] == ACTIVATE
    assert activation_page(client).status_code == 200
    assert client.post(ACTIVATE, {"code": current_code(client)}).status_code == 302
    assert enrolled(operator)
    assert client.get("/operator/").status_code == 200
    assert enrolment.SESSION_KEY not in client.session  # the mark ends with the enrolment


def test_the_link_opened_before_signing_in_carries_through_the_sign_in(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    link = path_of(enrolment.issue_link(operator))
    client = Client(HTTP_HOST="localhost")
    response = client.post(link)
    assert response["Location"] == f"/akun/login/?next={ACTIVATE}"
    response = client.post(response["Location"], {"login": operator.email, "password": PASSWORD})
    assert response["Location"] == ACTIVATE
    assert activation_page(client).status_code == 200
    assert client.post(ACTIVATE, {"code": current_code(client)}).status_code == 302
    assert enrolled(operator)


def test_the_link_works_once(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    link = path_of(enrolment.issue_link(operator))
    assert Client(HTTP_HOST="localhost").post(link).status_code == 302
    # Whoever comes next with the same link (say, from the mailbox) gets nothing.
    again = Client(HTTP_HOST="localhost")
    assert again.get(link).status_code == 410
    assert again.post(link).status_code == 410
    attacker = signed_in(operator)
    attacker.post(link)
    assert activation_page(attacker).status_code == 403
    assert not enrolled(operator)


def test_a_link_opened_by_another_session_does_not_enrol_the_attackers_session(db: Any) -> None:
    """The operator opens the link in their browser; the attacker's session (password only) stays
    refused."""
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    attacker = signed_in(operator)
    Client(HTTP_HOST="localhost").post(path_of(enrolment.issue_link(operator)))
    assert activation_page(attacker).status_code == 403


def test_a_new_link_replaces_the_old_one_and_links_expire(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    old = path_of(enrolment.issue_link(operator))
    new = path_of(enrolment.issue_link(operator))
    assert Client(HTTP_HOST="localhost").post(old).status_code == 410
    monkeypatch.setattr(enrolment, "LINK_MAX_AGE", 0)
    assert Client(HTTP_HOST="localhost").post(new).status_code == 410
    monkeypatch.undo()
    assert Client(HTTP_HOST="localhost").post(new).status_code == 302


def test_a_tampered_link_or_one_for_a_region_site_is_refused(db: Any, region_a: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    link = path_of(enrolment.issue_link(operator))
    assert Client(HTTP_HOST="localhost").post(link[:-3] + "xx/").status_code == 410
    assert Client(HTTP_HOST="samarinda.localhost").post(link).status_code == 404  # no such page there
    assert Client(HTTP_HOST="localhost").post(link).status_code == 302


def test_other_users_are_not_asked_for_a_link(db: Any, region_a: Any) -> None:
    """A region admin whose region requires two-factor authentication enrols as before."""
    admin = make_user(region_a, Role.REGION_ADMIN)
    region_a.require_admin_mfa = True
    region_a.save(update_fields=["require_admin_mfa"])
    client = Client(HTTP_HOST="samarinda.localhost")
    client.post("/akun/login/", {"login": admin.email, "password": PASSWORD})
    assert activation_page(client).status_code == 200


def test_creating_an_operator_prints_the_enrolment_link(db: Any) -> None:
    out = io.StringIO()
    call_command(
        "create_platform_user",
        "baru@ikd.go.id",
        name="Operator Baru",
        role=Role.PLATFORM_OPERATOR,
        stdout=out,
    )
    link = next(word for word in out.getvalue().split() if word.startswith("http://"))
    operator = User.objects.get(email="baru@ikd.go.id")
    assert enrolment.peek(path_of(link).split("/")[-2]) == operator

    out = io.StringIO()
    call_command("operator_enrolment_link", "baru@ikd.go.id", stdout=out)
    assert enrolment.peek(path_of(link).split("/")[-2]) is None  # replaced
    assert Client(HTTP_HOST="localhost").post(path_of(out.getvalue().strip())).status_code == 302


def test_the_demo_prints_a_link_until_the_operator_has_enrolled(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR, email="operator@ikd.go.id")
    note = SeedDemo._operator_enrolment("8000")
    assert "http://localhost:8000/akun/2fa/daftar/" in note
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert SeedDemo._operator_enrolment("8000") == "(2FA is set up)"
