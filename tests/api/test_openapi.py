"""Both OpenAPI documents validate with no warning, each covers only its own API, every operation is
described and has an example, and the docs pages are served by the app itself under the strict CSP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.api.factories_results import HOST_A

pytestmark = pytest.mark.django_db

URLCONFS = ["config.urls_public", "config.urls_tenant"]
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.mark.parametrize("urlconf", URLCONFS)
def test_spectacular_validates_without_warnings(urlconf: str, tmp_path: Path) -> None:
    """``manage.py spectacular --urlconf <X> --validate --fail-on-warn``: raises on any warning."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", urlconf=urlconf, validate=True, fail_on_warn=True, file=str(out))
    schema = yaml.safe_load(out.read_text())
    assert schema["paths"], "an empty schema validates too: it must describe the API"


def served(host: str, path: str) -> dict[str, Any]:
    response = Client(HTTP_HOST=host).get(path, {"format": "json"})
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    validate_schema(schema)
    return schema


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def _has_example(op: dict[str, Any]) -> bool:
    for response in op.get("responses", {}).values():
        for media in response.get("content", {}).values():
            if media.get("example") is not None or media.get("examples"):
                return True
    return False


def test_each_schema_covers_only_its_own_api(region_a: Any) -> None:
    region = served(HOST_A, "/api/v1/schema/")
    public = served("localhost", "/api/schema/")
    assert region["paths"]
    assert all(p.startswith("/api/v1/") for p in region["paths"])
    assert public["paths"]
    assert all(p.startswith("/api/") and not p.startswith("/api/v1/") for p in public["paths"])
    for path in ("/api/v1/rounds/", "/api/v1/rounds/{round_id}/results/segments/", "/api/v1/units/"):
        assert path in region["paths"]
    assert {"/api/wilayah/", "/api/nasional/", "/api/nasional/wilayah/{code}/"} <= set(public["paths"])
    assert "ApiKey" in region["components"]["securitySchemes"]


@pytest.mark.parametrize(("host", "path"), [(HOST_A, "/api/v1/schema/"), ("localhost", "/api/schema/")])
def test_every_operation_is_described_with_an_example(region_a: Any, host: str, path: str) -> None:
    schema = served(host, path)
    missing = []
    for route, method, op in operations(schema):
        if not op.get("summary") or not op.get("description"):
            missing.append(f"{method.upper()} {route}: summary/description")
        if not _has_example(op):
            missing.append(f"{method.upper()} {route}: example")
    assert missing == []


@pytest.mark.parametrize(("host", "docs"), [(HOST_A, "/api/v1/docs/"), ("localhost", "/api/docs/")])
def test_docs_are_served_offline_under_the_strict_policy(region_a: Any, host: str, docs: str) -> None:
    client = Client(HTTP_HOST=host)
    page = client.get(docs)
    assert page.status_code == 200
    html = page.content.decode()
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources  # nothing from another host
    assert any("drf_spectacular_sidecar" in s for s in sources)
    assert "<script>" not in html  # the start-up script is a file of its own (split view)
    script = client.get(docs, {"script": ""})
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
