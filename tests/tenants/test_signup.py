"""Signup on the public site: success lands the admin on the region's site; every error is explained."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from tenants.models import Region
from tests.factories import PASSWORD


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "region_search": "64.02 — Kabupaten Kutai Kartanegara (Kalimantan Timur)",
        "code": "64.02",
        "slug": "kukar",
        "time_zone": "",
        "admin_full_name": "Rina Wulandari",
        "admin_email": "rina@kukarkab.go.id",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def public() -> Client:
    return Client(HTTP_HOST="localhost")


def test_signup_provisions_the_region_and_signs_the_admin_in_on_its_site(
    db: Any, public: Client, mailoutbox: Any
) -> None:
    response = public.post("/daftar/", form_data())
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.hostname == "kukar.localhost"
    region = Region.objects.get(code="64.02")
    assert (region.name, region.kind, region.time_zone, region.status) == (
        "Kabupaten Kutai Kartanegara",
        "kabupaten",
        "WITA",
        "trial",
    )
    with schema_context(region.schema_name):
        admin = User.objects.get()
    assert (admin.email, admin.role) == ("rina@kukarkab.go.id", "region_admin")

    site = Client(HTTP_HOST="kukar.localhost")
    landing = site.get(target.path)
    assert landing.status_code == 302
    assert landing["Location"] == "/"
    assert len(mailoutbox) == 1  # the admin is asked to verify the address
    assert "http://kukar.localhost/akun/confirm-email/" in mailoutbox[0].body
    dashboard = site.get("/")
    assert dashboard.status_code == 200
    assert "Kabupaten Kutai Kartanegara" in dashboard.content.decode()
    # The sign-in link works once only.
    again = Client(HTTP_HOST="kukar.localhost").get(target.path)
    assert again["Location"].startswith("/akun/login/")


def test_signup_without_javascript_resolves_a_typed_name(db: Any, public: Client) -> None:
    response = public.post("/daftar/", form_data(code="", region_search="Kutai Kartanegara"))
    assert response.status_code == 302
    assert Region.objects.filter(code="64.02").exists()


def test_time_zone_can_be_overridden(db: Any, public: Client) -> None:
    public.post("/daftar/", form_data(time_zone="WIB"))
    assert Region.objects.get(code="64.02").time_zone == "WIB"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "64.72", "slug": "samarinda-baru"}, "code", "is already registered"),
        ({"code": "99.99", "region_search": ""}, "code", "official list"),
        ({"code": "", "region_search": "Atlantis"}, "region_search", "Choose your region"),
        ({"admin_email": "rina@kukar"}, "admin_email", "valid email"),
        ({"admin_email": "rina@gmail.com"}, "admin_email", "official email"),
        ({"password": "password123", "password_again": "password123"}, "password", "too common"),
        ({"password": "Ab1!", "password_again": "Ab1!"}, "password", "too short"),
        ({"password": "8273619450123", "password_again": "8273619450123"}, "password", "entirely numeric"),
        ({"password_again": "Something-Else-2026"}, "password_again", "differ"),
        ({"slug": "www"}, "slug", "reserved"),
        ({"slug": "api"}, "slug", "reserved"),
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "static"}, "slug", "reserved"),
        ({"slug": "media"}, "slug", "reserved"),
        ({"slug": "Kukar Kab!"}, "slug", "lowercase letters"),
        ({"slug": "-kukar"}, "slug", "lowercase letters"),
        ({"slug": "samarinda"}, "slug", "already used"),
        ({"accept_terms": ""}, "accept_terms", "Terms of Use"),
        ({"admin_full_name": ""}, "admin_full_name", "required"),
    ],
)
def test_bad_signup_is_explained_and_writes_nothing(
    db: Any, public: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    public.cookies["django_language"] = "en"  # messages checked in English; Indonesian below
    before = Region.objects.count()
    response = public.post("/daftar/", form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Region.objects.count() == before
    assert message in response.content.decode().replace("&#x27;", "'")


def test_signup_errors_are_in_indonesian_by_default(db: Any, public: Client) -> None:
    response = public.post("/daftar/", form_data(slug="www"))
    assert "dicadangkan" in response.content.decode()


def test_region_search_api(db: Any, public: Client) -> None:
    response = public.get("/api/wilayah/", {"q": "kutai"})
    results = response.json()["results"]
    names = [r["name"] for r in results]
    assert "Kabupaten Kutai Kartanegara" in names
    samarinda = public.get("/api/wilayah/", {"q": "64.72"}).json()["results"][0]
    assert samarinda["taken"] is True
    assert samarinda["time_zone"] == "WITA"
