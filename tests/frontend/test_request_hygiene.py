"""A NUL byte in the address or a form is a 400 on every page of both sites, never a 500.

PostgreSQL refuses text with NUL, so before ``config.middleware.RejectNulMiddleware`` a page that
searched or looked up by what it was given answered 500 (the walk found ``/pegawai/?q=``,
``/ronde/<pk>/peserta/?q=``, ``/operator/?q=`` and ``/operator/wilayah/<code>/``).  The test walks
every route of both URLconfs as the people who may open them (signed out, a region admin, a national
viewer, an operator) with NUL in the query string, in the path and in a posted form.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from accounts.roles import Role
from tests.factories import make_user
from tests.url_walk import Parameter, fill, routes
from tests.url_walk import client as _client
from tests.url_walk import region_objects as _objects
from tests.url_walk import signed_in as _signed_in

# Parameter names the pages read: search, filters, paging, the roadmap's form, redirects, the taker's
# sign-in, the round page's actions, sign-in and sign-up forms.
NAMES = ("q", "page", "status", "active", "unit", "retired", "urut", "versi", "tahun", "provinsi", "jenis",
         "target", "years", "next", "code", "nip", "action", "state", "named", "login", "email", "password",
         "slug", "name")  # fmt: skip


def _fill(route: str, text: str, ids: dict[str, int]) -> str:
    """A path for ``route``: real objects' ids where it takes numbers (so that the view gets as far as
    reading its parameters), ``text`` in its str/slug/path parameters and regex groups."""

    def value(parameter: Parameter) -> str:
        if parameter.kind == "int":
            return str(ids.get(parameter.name) or ids.get(parameter.before) or 1)
        return str(uuid.uuid4()) if parameter.kind == "uuid" else text

    return fill(route, value)


def _clients(region: Any) -> list[tuple[str, str, Client]]:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    operator_client = _signed_in("localhost", operator)
    # Signed in with a password; the TOTP set up now stands for the step the console demands.
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return [
        (settings.ROOT_URLCONF, "signed out", _client("samarinda.localhost")),
        (
            settings.ROOT_URLCONF,
            "admin",
            _signed_in("samarinda.localhost", make_user(region, Role.REGION_ADMIN)),
        ),
        (settings.PUBLIC_SCHEMA_URLCONF, "signed out", _client("localhost")),
        (
            settings.PUBLIC_SCHEMA_URLCONF,
            "viewer",
            _signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER)),
        ),
        (settings.PUBLIC_SCHEMA_URLCONF, "operator", operator_client),
    ]


def test_nul_anywhere_in_a_request_is_a_400_on_every_route(region_a: Any) -> None:
    ids = _objects(region_a)
    every_name = "&".join(f"{name}=a%00b" for name in NAMES)
    failures: list[tuple[str, str, str, int]] = []
    checked = 0
    for urlconf, who, client in _clients(region_a):
        for route, _pattern in routes(urlconf):
            path = _fill(route, "x", ids)
            attempts = [("GET", f"{path}?q=%00"), ("GET", f"{path}?{every_name}"), ("GET", f"{path}?%00=1")]
            if any(mark in route for mark in ("<str:", "<slug:", "<path:", "(?P<")):
                attempts.append(("GET", _fill(route, "x%00y", ids)))
            attempts.append(("POST", path))
            for method, url in attempts:
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, dict.fromkeys(NAMES, "a\x00b"))
                checked += 1
                if response.status_code != 400:
                    failures.append((who, method, url, response.status_code))
    assert [f for f in failures if f[3] >= 500] == []  # the bug: PostgreSQL refused the value
    assert failures == []
    assert checked > 300


def test_the_refusal_is_the_products_error_page(region_a: Any) -> None:
    response = Client(HTTP_HOST="samarinda.localhost").get("/akun/login/?next=%00")
    assert response.status_code == 400
    assert "Permintaan tidak valid" in response.content.decode()


def test_ordinary_requests_and_binary_uploads_pass(region_a: Any) -> None:
    from config.middleware import RejectNulMiddleware, has_nul

    client = _signed_in("samarinda.localhost", make_user(region_a, Role.REGION_ADMIN))
    assert client.get("/pegawai/?q=Budi+Santoso%C3%A9&page=1").status_code == 200
    factory = RequestFactory()
    # An .xlsx is binary: NUL bytes in an uploaded file's content are the reader's business.
    upload = SimpleUploadedFile("pegawai.xlsx", b"PK\x03\x04\x00\x00binary\x00", "application/octet-stream")
    request = factory.post("/pegawai/impor/", {"file": upload, "create_units": "on"})
    assert not has_nul(request)
    reached: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        reached.append(request)
        return HttpResponse("ok")

    assert RejectNulMiddleware(view)(factory.post("/pegawai/impor/", {"file": upload})).status_code == 200
    assert len(reached) == 1
    # ...but a form field's name or value is refused, in a multipart form as in an encoded one.
    assert has_nul(factory.post("/pegawai/impor/", {"file": upload, "create_units": "\x00"}))
    assert has_nul(factory.post("/x/", "a%00=1", content_type="application/x-www-form-urlencoded"))
    assert not has_nul(factory.post("/x/", {"q": "\x00"}, content_type="application/json"))


@pytest.mark.parametrize("url", ["/pegawai/?q=%00", "/pegawai/%00/", "/?a%00=1"])
def test_the_middleware_alone_refuses(url: str) -> None:
    from config.middleware import has_nul

    request = RequestFactory().get(url)
    assert has_nul(request)
