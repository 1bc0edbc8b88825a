"""Suspension: recorded, shown clearly, read-only, nothing deleted; and the operator console."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from tenants.models import Region, RegionStatusChange
from tenants.services import status
from tests.factories import PASSWORD, make_user


def operator_client() -> Client:
    operator = make_user(None, Role.PLATFORM_OPERATOR, email="ops@ikd.go.id")
    client = Client(HTTP_HOST="localhost")
    assert client.post("/akun/login/", {"login": operator.email, "password": PASSWORD}).status_code == 302
    # Signed in with a password; the TOTP set up now stands for the activation step the console demands.
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return client


def test_operator_console_lists_regions_with_status_and_size(db: Any, region_a: Any) -> None:
    make_user(region_a, Role.EMPLOYEE)
    response = operator_client().get("/operator/")
    assert response.status_code == 200
    rows = {region.code: size for region, size in response.context["rows"]}
    assert set(rows) >= {"64.71", "64.72"}
    assert rows["64.72"].counts["users"] == 2  # the admin made at signup and the employee
    assert rows["64.72"].disk_bytes > 0
    assert "Kota Samarinda" in response.content.decode()


def test_operator_suspends_and_reactivates_a_region(db: Any, region_a: Any) -> None:
    employee = make_user(region_a, Role.REGION_ADMIN)
    client = operator_client()
    response = client.post(
        "/operator/wilayah/64.72/", {"status": "suspended", "reason": "Tagihan belum dibayar"}
    )
    assert response.status_code == 302
    region_a.refresh_from_db()
    assert region_a.status == "suspended"
    change = RegionStatusChange.objects.get(region=region_a)
    assert (change.old_status, change.new_status, change.actor) == ("trial", "suspended", "ops@ikd.go.id")

    site = Client(HTTP_HOST="samarinda.localhost")
    assert site.post("/akun/login/", {"login": employee.email, "password": PASSWORD}).status_code == 302
    page = site.get("/")
    assert page.status_code == 200
    assert "Tagihan belum dibayar" in page.content.decode()
    refused = site.post("/pengguna/", {"full_name": "Baru", "email": "baru@x.go.id", "role": "employee"})
    assert refused.status_code == 403
    with schema_context(region_a.schema_name):
        assert not User.objects.filter(email="baru@x.go.id").exists()
        assert User.objects.count() == 2  # nothing deleted

    assert client.post("/operator/wilayah/64.72/", {"status": "active"}).status_code == 302
    region_a.refresh_from_db()
    assert region_a.status == "active"
    assert region_a.status_reason == ""
    assert (
        site.post(
            "/pengguna/", {"full_name": "Baru", "email": "baru@x.go.id", "role": "employee"}
        ).status_code
        == 302
    )


def test_suspension_needs_a_reason(db: Any, region_a: Any) -> None:
    response = operator_client().post("/operator/wilayah/64.72/", {"status": "suspended", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Region.objects.get(pk=region_a.pk).status == "trial"


def test_closed_region_cannot_go_back_to_trial(db: Any, region_a: Any) -> None:
    status.change_status(region_a, "closed", actor="ops@ikd.go.id", reason="Kontrak selesai")
    with pytest.raises(status.StatusChangeError):
        status.change_status(region_a, "trial", actor="ops@ikd.go.id")


def test_unknown_region_host_gets_a_clear_404(db: Any) -> None:
    response = Client(HTTP_HOST="tidak-ada.localhost").get("/")
    assert response.status_code == 404
    assert "tidak-ada.localhost" in response.content.decode()
