"""Keys for API tests: ``issue_key(Scope.REGISTER_READ)`` returns the plaintext of a new key in the
current tenant schema, made through the real service (hashed, audited)."""

from __future__ import annotations

from typing import Any

from api.keys import services
from api.keys.scopes import Scope


def issue_key(*scopes: Scope, name: str = "test") -> str:
    return services.create(name, scopes).text


def header(key: str) -> dict[str, Any]:
    """Django test-client keyword arguments that send ``key``."""
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
