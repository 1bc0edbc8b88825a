"""Every view checks its role; MFA is required for operators and, when asked, for region admins."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from accounts.access import is_third_party, rule_for
from accounts.roles import Role
from accounts.services import RoleNotAllowedHere, create_user
from assessment.people.services.units import create_unit
from tests.factories import PASSWORD, make_user


def walk(patterns: list[Any]) -> list[URLPattern]:
    found: list[URLPattern] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += walk(pattern.url_patterns)
        else:
            found.append(pattern)
    return found


@pytest.mark.parametrize("urlconf", [settings.PUBLIC_SCHEMA_URLCONF, settings.ROOT_URLCONF])
def test_every_view_of_ours_declares_who_may_open_it(urlconf: str) -> None:
    missing = [
        str(p.pattern)
        for p in walk(get_resolver(urlconf).url_patterns)
        if not is_third_party(p.callback) and rule_for(p.callback) is None
    ]
    assert missing == []


def signed_in(host: str, user: Any) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def add_totp(user: Any, schema: str) -> None:
    with schema_context(schema):
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


def test_anonymous_visitors_are_sent_to_login(db: Any, region_a: Any) -> None:
    response = Client(HTTP_HOST="samarinda.localhost").get("/pengguna/")
    assert response["Location"].startswith("/akun/login/?next=/pengguna/")


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.UNIT_COORDINATOR])
def test_only_region_admins_manage_users_and_security(db: Any, region_a: Any, role: str) -> None:
    client = signed_in("samarinda.localhost", make_user(region_a, role))
    assert client.get("/").status_code == 200
    assert client.get("/pengguna/").status_code == 403
    assert client.post("/pengaturan/keamanan/", {"require_admin_mfa": "on"}).status_code == 403


def test_region_admin_adds_a_coordinator(db: Any, region_a: Any, mailoutbox: Any) -> None:
    client = signed_in("samarinda.localhost", make_user(region_a, Role.REGION_ADMIN))
    with schema_context(region_a.schema_name):
        unit = create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
    response = client.post(
        "/pengguna/",
        {
            "full_name": "Siti Aminah",
            "email": "siti@samarindakota.go.id",
            "role": Role.UNIT_COORDINATOR,
            "units": [unit.pk],
        },
    )
    assert response.status_code == 302
    page = client.get("/pengguna/").content.decode()
    assert "Siti Aminah" in page
    assert mailoutbox
    assert "siti@samarindakota.go.id" in mailoutbox[0].to
    duplicate = client.post(
        "/pengguna/", {"full_name": "Siti", "email": "siti@samarindakota.go.id", "role": Role.EMPLOYEE}
    )
    assert "email" in duplicate.context["form"].errors


def test_national_viewer_cannot_open_the_operator_console(db: Any) -> None:
    client = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    assert client.get("/operator/").status_code == 403


def test_operator_must_set_up_totp_before_anything_else(db: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    client = signed_in("localhost", operator)
    response = client.get("/operator/")
    assert response.status_code == 302
    assert "/akun/2fa/totp/activate" in response["Location"]
    add_totp(operator, "public")
    assert client.get("/operator/").status_code == 200


def test_region_can_require_mfa_for_its_admins(db: Any, region_a: Any) -> None:
    admin = make_user(region_a, Role.REGION_ADMIN)
    employee = make_user(region_a, Role.EMPLOYEE)
    client = signed_in("samarinda.localhost", admin)
    assert client.post("/pengaturan/keamanan/", {"require_admin_mfa": "on"}).status_code == 302
    region_a.refresh_from_db()
    assert region_a.require_admin_mfa
    response = client.get("/pengguna/")
    assert "/akun/2fa/totp/activate" in response["Location"]
    add_totp(admin, region_a.schema_name)
    assert client.get("/pengguna/").status_code == 200
    assert signed_in("samarinda.localhost", employee).get("/").status_code == 200  # employees are not asked


def test_roles_belong_to_their_schema(db: Any, region_a: Any) -> None:
    with pytest.raises(RoleNotAllowedHere):
        create_user(email="x@bkn.go.id", full_name="X", role=Role.REGION_ADMIN, password=PASSWORD)
    with schema_context(region_a.schema_name), pytest.raises(RoleNotAllowedHere):
        create_user(email="y@bkn.go.id", full_name="Y", role=Role.PLATFORM_OPERATOR, password=PASSWORD)
