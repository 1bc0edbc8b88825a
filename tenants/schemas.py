"""Typed access to django-tenants' connection API (the stubs know only Django's base wrapper)."""

from __future__ import annotations

from typing import Any

from django.db import connection as _connection


def current_schema() -> str:
    return str(_tenant_connection().schema_name)


def use_public_schema() -> None:
    _tenant_connection().set_schema_to_public()


def _tenant_connection() -> Any:
    return _connection
