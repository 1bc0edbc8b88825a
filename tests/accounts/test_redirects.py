"""``next=`` leads only to the request's own host: not to another subdomain of the platform's domain
(another region's site, or one nobody serves), whatever ``ALLOWED_HOSTS`` accepts; after signing in, the
second factor's step and signing out alike."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django_tenants.utils import schema_context

from accounts.redirects import is_same_host
from accounts.roles import Role
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
ELSEWHERE = [
    "https://evil.localhost/phish",
    "//attacker.localhost/x",
    "http://balikpapan.localhost/pengguna/",  # another region's site
    "https://localhost/",  # the public site
    "///evil.localhost/x",
    "https:evil.localhost",
    "http://samarinda.localhost.evil.example/",
    "javascript:alert(1)",
]


@pytest.fixture
def user(db: Any, region_a: Any) -> Any:
    return make_user(region_a, Role.REGION_ADMIN)


def sign_in(user: Any, next_url: str, *, secure: bool = False, in_body: bool = False) -> Any:
    client = Client(HTTP_HOST=HOST)
    data = {"login": user.email, "password": PASSWORD}
    if in_body:
        return client.post("/akun/login/", {**data, "next": next_url}, secure=secure)
    return client.post(f"/akun/login/?next={quote(next_url, safe='')}", data, secure=secure)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signing_in_never_leads_to_another_host(user: Any, target: str) -> None:
    response = sign_in(user, target)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert sign_in(user, target, in_body=True)["Location"] == "/"


@pytest.mark.parametrize(
    ("target", "secure", "expected"),
    [
        ("/pengguna/", False, "/pengguna/"),
        ("/pengguna/?unit=3", False, "/pengguna/?unit=3"),
        ("http://samarinda.localhost/pengguna/", False, "http://samarinda.localhost/pengguna/"),
        ("https://samarinda.localhost/pengguna/", True, "https://samarinda.localhost/pengguna/"),
        ("http://samarinda.localhost/pengguna/", True, "/"),  # https asked, http offered
    ],
)
def test_signing_in_keeps_a_next_on_the_same_host(
    user: Any, target: str, secure: bool, expected: str
) -> None:
    assert sign_in(user, target, secure=secure)["Location"] == expected


def test_the_second_factor_step_and_signing_out_stay_on_the_host(user: Any, region_a: Any) -> None:
    secret = generate_totp_secret()
    with schema_context(region_a.schema_name):
        TOTP.activate(user, secret)
    client = Client(HTTP_HOST=HOST)
    first = client.post(
        "/akun/login/?next=https://evil.localhost/phish", {"login": user.email, "password": PASSWORD}
    )
    assert first["Location"].startswith("/akun/2fa/authenticate/")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post("/akun/2fa/authenticate/?next=//attacker.localhost/x", {"code": code})
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    out = client.post("/akun/logout/?next=https://evil.localhost/")
    assert out.status_code == 302
    assert out["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_the_check_itself() -> None:
    from django.test import RequestFactory

    request = RequestFactory().get("/", HTTP_HOST=HOST)
    assert is_same_host(request, "/x")
    assert is_same_host(request, f"http://{HOST}/x")
    assert not is_same_host(request, "https://evil.localhost/")
    assert not is_same_host(request, "")
    assert not is_same_host(None, f"http://{HOST}/x")  # no request: paths only
    assert is_same_host(None, "/x")
