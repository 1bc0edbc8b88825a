"""A region's users exist only in its schema: they sign in there and nowhere else."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from accounts.services import issue_login_token
from tests.factories import PASSWORD, make_user


def login(host: str, email: str, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client(HTTP_HOST=host)
    response = client.post("/akun/login/", {"login": email, "password": password})
    return client, response


def test_user_signs_in_on_own_region(db: Any, region_a: Any) -> None:
    user = make_user(region_a, Role.REGION_ADMIN, email="kepala@samarindakota.go.id")
    client, response = login("samarinda.localhost", user.email)
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert page.context["user"].email == "kepala@samarindakota.go.id"


def test_user_of_region_a_cannot_sign_in_on_region_b(db: Any, region_a: Any, region_b: Any) -> None:
    make_user(region_a, Role.REGION_ADMIN, email="kepala@samarindakota.go.id")
    client, response = login("balikpapan.localhost", "kepala@samarindakota.go.id")
    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert client.get("/").status_code == 302  # still anonymous


def test_region_session_does_not_open_another_region(db: Any, region_a: Any, region_b: Any) -> None:
    user = make_user(region_a, Role.REGION_ADMIN)
    client, _ = login("samarinda.localhost", user.email)
    session_cookie = client.cookies["sessionid"].value
    other = Client(HTTP_HOST="balikpapan.localhost")
    other.cookies["sessionid"] = session_cookie
    assert other.get("/").status_code == 302


def test_login_token_is_bound_to_its_region(db: Any, region_a: Any, region_b: Any) -> None:
    user = make_user(region_a, Role.REGION_ADMIN)
    with schema_context(region_a.schema_name):
        token = issue_login_token(user)
    response = Client(HTTP_HOST="balikpapan.localhost").get(f"/masuk/token/{token}/")
    assert response["Location"].startswith("/akun/login/")
    response = Client(HTTP_HOST="samarinda.localhost").get(f"/masuk/token/{token}/")
    assert response["Location"] == "/"


def test_tampered_token_is_refused(db: Any, region_a: Any) -> None:
    response = Client(HTTP_HOST="samarinda.localhost").get("/masuk/token/not-a-token/")
    assert response["Location"].startswith("/akun/login/")


def test_platform_users_sign_in_on_the_public_site_only(db: Any, region_a: Any) -> None:
    make_user(None, Role.NATIONAL_VIEWER, email="viewer@bkn.go.id")
    _, response = login("localhost", "viewer@bkn.go.id")
    assert response.status_code == 302
    _, response = login("samarinda.localhost", "viewer@bkn.go.id")
    assert response.status_code == 200


def test_failed_logins_are_rate_limited(db: Any, region_a: Any) -> None:
    user = make_user(region_a, Role.EMPLOYEE)
    for _ in range(5):
        login("samarinda.localhost", user.email, "wrong-password")
    _, response = login("samarinda.localhost", user.email)  # right password, but locked for now
    assert response.status_code in {200, 429}
    assert response.status_code == 429 or response.context["form"].errors


def test_password_reset_sends_a_link_on_the_region_host(db: Any, region_a: Any, mailoutbox: Any) -> None:
    user = make_user(region_a, Role.EMPLOYEE)
    response = Client(HTTP_HOST="samarinda.localhost").post("/akun/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "http://samarinda.localhost/akun/password/reset/key/" in mailoutbox[0].body


def test_the_signup_link_asks_for_the_second_factor_when_there_is_one(db: Any, region_a: Any) -> None:
    """Within the link's two minutes the new admin could have set up an authenticator (they have their
    password): the link then leads to the second factor's step, not into the site."""
    user = make_user(region_a, Role.REGION_ADMIN)
    secret = generate_totp_secret()
    with schema_context(region_a.schema_name):
        TOTP.activate(user, secret)
        token = issue_login_token(user)
    client = Client(HTTP_HOST="samarinda.localhost")
    response = client.get(f"/masuk/token/{token}/")
    assert response["Location"].startswith("/akun/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.get("/pengguna/").status_code == 302
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post("/akun/2fa/authenticate/", {"code": code})
    assert done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
