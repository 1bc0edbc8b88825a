"""Fixtures of the API tests: region A's host, with two units, and a client for the API."""

from __future__ import annotations

import pytest
from django.test import Client

# Region A, in its schema, with the units the import tests use: the register tests' own fixture.
from tests.assessment.people.conftest import region  # noqa: F401

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST=HOST_A)
