"""The platform's JSON under /api/ refuses as JSON: a NUL in the request (400), a signed-out or
signed-out caller (401, not the sign-in page), and a query parameter it does not know (400)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from tests.accounts.test_access import signed_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db
NATIONAL = ["/api/nasional/", "/api/nasional/wilayah/", "/api/nasional/wilayah/6472/"]


def test_a_nul_is_refused_as_json_under_api_and_as_the_page_elsewhere(region_a: Any) -> None:
    api = Client(HTTP_HOST="localhost").get("/api/wilayah/?q=a%00b")
    assert api.status_code == 400
    assert api["Content-Type"] == "application/json"
    assert api.json()["detail"]
    page = Client(HTTP_HOST="localhost").get("/?q=a%00b")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


def test_national_api_answers_401_not_the_sign_in_page(region_a: Any) -> None:
    viewer = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    for url in NATIONAL:
        anonymous = Client(HTTP_HOST="localhost").get(url)
        assert (anonymous.status_code, anonymous["Content-Type"]) == (401, "application/json"), url
        assert anonymous.json()["detail"]
        assert viewer.get(url).status_code in {200, 404}, url  # 404: no published round of 6472
    assert Client(HTTP_HOST="localhost").get("/nasional/").status_code == 302  # pages still redirect


def test_unknown_query_parameters_are_refused(region_a: Any) -> None:
    viewer = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    assert viewer.get("/api/nasional/", {"tahun": "2026"}).status_code == 200
    assert viewer.get("/api/nasional/", {"year": "2026"}).status_code == 400
    assert viewer.get("/api/nasional/wilayah/", {"sort": "x"}).status_code == 400
    assert viewer.get("/api/nasional/wilayah/6472/", {"tahun": "2026"}).status_code == 400
    public = Client(HTTP_HOST="localhost")
    assert public.get("/api/wilayah/", {"q": "samarinda"}).status_code == 200
    assert public.get("/api/wilayah/", {"query": "samarinda"}).status_code == 400
