"""Who may call the region API: a key in the header, active, with the scope; never in the URL;
rate-limited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from api.keys import services
from api.keys.scopes import Scope
from api.models import ApiKey
from audit.models import Event
from tests.api.keys import header, issue_key


def test_no_key_is_401_with_the_scheme(region: Any, api: Client) -> None:
    response = api.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_valid_key_reads(region: Any, api: Client) -> None:
    key = issue_key(Scope.REGISTER_READ)
    response = api.get("/api/v1/units/", **header(key))
    assert response.status_code == 200
    assert [u["code"] for u in response.json()] == ["DINKES", "KEC-TGR"]


@pytest.mark.parametrize(
    "value",
    ["ikd_aaaaaaaaaa_wrong", "ikd_short_x", "not-a-key", "", "ikd_aaaaaaaaaa_x extra"],
)
def test_wrong_or_malformed_key_is_401(region: Any, api: Client, value: str) -> None:
    issue_key(Scope.REGISTER_READ)
    response = api.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Api-Key {value}")
    assert response.status_code == 401
    assert "DINKES" not in response.content.decode()


def test_right_prefix_wrong_secret_is_401(region: Any, api: Client) -> None:
    key = issue_key(Scope.REGISTER_READ)
    forged = key[: key.rindex("_") + 1] + "a" * 52
    assert api.get("/api/v1/units/", **header(forged)).status_code == 401


def test_revoked_key_is_401(region: Any, api: Client) -> None:
    key = issue_key(Scope.REGISTER_READ)
    assert api.get("/api/v1/units/", **header(key)).status_code == 200
    services.revoke(ApiKey.objects.get())
    response = api.get("/api/v1/units/", **header(key))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_missing_scope_is_403_naming_it(region: Any, api: Client) -> None:
    key = issue_key(Scope.RESULTS_READ)
    response = api.get("/api/v1/units/", **header(key))
    assert response.status_code == 403
    assert "register:read" in response.json()["detail"]


def test_read_scope_cannot_write(region: Any, api: Client) -> None:
    key = issue_key(Scope.REGISTER_READ)
    response = api.put(
        "/api/v1/employees/199001052015032001/", {}, content_type="application/json", **header(key)
    )
    assert response.status_code == 403
    assert "register:write" in response.json()["detail"]


@pytest.mark.parametrize("name", ["api_key", "apikey", "key", "token", "access_token"])
def test_key_in_query_string_is_refused_before_anything(region: Any, api: Client, name: str) -> None:
    key = issue_key(Scope.REGISTER_READ)
    for headers in ({}, header(key)):  # refused even beside a valid header
        response = api.get(f"/api/v1/units/?{name}={key}", **headers)
        assert response.status_code == 400
        assert "URL" in response.json()["detail"]
    assert ApiKey.objects.get().last_used_at is None  # the key was not even looked at


def test_query_string_refusal_is_indonesian_by_default(region: Any, api: Client) -> None:
    response = api.get("/api/v1/units/?api_key=x")
    assert response.status_code == 400
    assert "tidak diterima" in response.json()["detail"]


def test_rate_limit_per_key_429_with_retry_after(region: Any, api: Client, settings: Any) -> None:
    settings.API_KEY_RATE = (3, 60)
    first, second = issue_key(Scope.REGISTER_READ), issue_key(Scope.REGISTER_READ)
    assert [api.get("/api/v1/units/", **header(first)).status_code for _ in range(3)] == [200] * 3
    refused = api.get("/api/v1/units/", **header(first))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert api.get("/api/v1/units/", **header(second)).status_code == 200  # per key


def test_last_use_is_written_at_most_once_a_minute(region: Any, api: Client) -> None:
    key = issue_key(Scope.REGISTER_READ)
    api.get("/api/v1/units/", **header(key))
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    api.get("/api/v1/units/", **header(key))
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=first - services.LAST_USED_RESOLUTION)
    api.get("/api/v1/units/", **header(key))
    later = ApiKey.objects.get().last_used_at
    assert later is not None
    assert later > first


def test_key_is_stored_hashed_and_create_revoke_audited(region: Any) -> None:
    issued = services.create("SIMPEG", [Scope.REGISTER_WRITE, Scope.REGISTER_READ])
    stored = ApiKey.objects.get()
    secret = issued.text.split("_", 2)[2]
    assert issued.text.startswith(f"ikd_{stored.prefix}_")
    assert secret not in stored.secret_hash
    assert len(secret) >= 52
    assert stored.scopes == ["register:read", "register:write"]
    assert services.authenticate(issued.text) == stored
    assert services.revoke(stored) is True
    assert services.revoke(stored) is False  # once
    kinds = list(Event.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["api.key_created", "api.key_revoked"]
    assert all(secret not in str(e.details) for e in Event.objects.all())


def test_key_of_region_a_is_unknown_in_region_b(region: Any, region_b: Any) -> None:
    key = issue_key(Scope.REGISTER_READ)
    with schema_context(region_b.schema_name):
        assert services.authenticate(key) is None
    response = Client(HTTP_HOST="balikpapan.localhost").get("/api/v1/units/", **header(key))
    assert response.status_code == 401
