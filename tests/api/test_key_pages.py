"""The region admin's API key pages: make a key (shown once), see it listed with its use, revoke it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from api.models import ApiKey
from audit.models import Event
from tests.api.conftest import HOST_A
from tests.api.keys import header
from tests.factories import PASSWORD, make_user


def signed_in(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST_A)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_makes_a_key_sees_it_once_and_revokes_it(region: Any) -> None:
    user = make_user(region, Role.REGION_ADMIN)
    admin = signed_in(user)
    page = admin.get("/pengaturan/api/")
    assert page.status_code == 200
    assert "Kunci API" in page.content.decode()
    made = admin.post("/pengaturan/api/", {"name": "SIMPEG", "scopes": ["register:read", "register:write"]})
    body = made.content.decode()
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    text = re.search(r'value="(ikd_[a-z0-9]+_[a-z0-9]+)"', body)
    assert text is not None
    assert "hanya ditampilkan sekali" in body
    key = ApiKey.objects.get()
    assert key.created_by is not None
    creator = key.created_by.email
    assert (key.name, key.scopes, creator) == (
        "SIMPEG",
        ["register:read", "register:write"],
        user.email,
    )
    api = Client(HTTP_HOST=HOST_A)
    assert api.get("/api/v1/units/", **header(text.group(1))).status_code == 200
    listing = admin.get("/pengaturan/api/").content.decode()
    assert key.prefix in listing
    assert text.group(1) not in listing
    assert admin.get(f"/pengaturan/api/{key.pk}/cabut/").status_code == 200  # the confirmation
    assert ApiKey.objects.get().revoked_at is None
    assert admin.post(f"/pengaturan/api/{key.pk}/cabut/").status_code == 302
    assert ApiKey.objects.get().revoked_at is not None
    assert api.get("/api/v1/units/", **header(text.group(1))).status_code == 401
    events = Event.objects.filter(kind__startswith="api.").order_by("pk")
    assert [(e.kind, e.actor) for e in events] == [
        ("api.key_created", creator),
        ("api.key_revoked", creator),
    ]


def test_form_needs_a_name_and_a_scope(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    response = admin.post("/pengaturan/api/", {"name": "", "scopes": []})
    assert response.status_code == 200
    assert ApiKey.objects.count() == 0
    assert "Pilih setidaknya satu izin" in response.content.decode()


def test_only_the_region_admin(region: Any) -> None:
    coordinator = signed_in(make_user(region, Role.UNIT_COORDINATOR))
    assert coordinator.get("/pengaturan/api/").status_code == 403
    assert coordinator.post("/pengaturan/api/", {"name": "x", "scopes": ["register:read"]}).status_code == 403
    assert ApiKey.objects.count() == 0
    assert Client(HTTP_HOST=HOST_A).get("/pengaturan/api/").status_code == 302  # to sign in


def test_suspended_region_cannot_make_keys(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    with schema_context("public"):
        type(region).objects.filter(pk=region.pk).update(status="suspended")
    page = admin.get("/pengaturan/api/")
    assert "ditangguhkan" in page.content.decode()
    assert admin.post("/pengaturan/api/", {"name": "x", "scopes": ["register:read"]}).status_code == 403
    assert ApiKey.objects.count() == 0
