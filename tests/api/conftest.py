"""Fixtures of the API tests: region A's host, with two units, and a client for the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from assessment.people.services import units

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"


@pytest.fixture
def region(region_a: Any) -> Iterator[Any]:
    """Region A, in its schema, with the units the import tests use."""
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        yield region_a


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST=HOST_A)
