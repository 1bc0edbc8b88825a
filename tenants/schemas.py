"""Typed access to django-tenants' connection API (the stubs know only Django's base wrapper)."""

from __future__ import annotations

from typing import Any

from django.db import connection as _connection


def current_schema() -> str:
    return str(_tenant_connection().schema_name)


def use_public_schema() -> None:
    _tenant_connection().set_schema_to_public()


def forget_search_path() -> None:
    """After code that set the search_path itself: the next statement sends the selected one again."""
    _tenant_connection().forget_search_path()


def _tenant_connection() -> Any:
    return _connection
