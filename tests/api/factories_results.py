"""A scored round of region A for the rounds and results API tests (the results pages' own fixture:
generated employees, attempts simulated person by person, scored by the real engine)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tenants.utils import schema_context

from api.keys.scopes import Scope
from assessment.rounds.models import Round
from tenants.schemas import use_public_schema
from tests.api.keys import header, issue_key
from tests.assessment.results.conftest import scored_round

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"
ALL_SCOPES = tuple(Scope)


@pytest.fixture(scope="module")
def scored_module(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Any, Round]]:
    """Region A with 300 employees, 260 of whom took a round that is scored and announced: made once
    per test module (simulating and scoring takes half a minute) inside a transaction rolled back at
    the module's end; each test's own transaction (``db``) is a savepoint inside it."""
    from tenants.models import Region
    from tests.conftest import REGION_A

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            region = Region.objects.get(code=REGION_A["code"])
            call_command("load_instrument")
            with schema_context(region.schema_name):
                round_ = scored_round(region, employees=300, takers=260)
            yield region, round_
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            use_public_schema()


@pytest.fixture
def scored_a(scored_module: tuple[Any, Round], db: Any) -> Iterator[tuple[Any, Round]]:
    region, round_ = scored_module
    with schema_context(region.schema_name):
        yield region, round_


def client_for(key: str | None, host: str = HOST_A) -> Client:
    """A client on a region's host sending ``key`` (None: no key)."""
    return Client(HTTP_HOST=host, **(header(key) if key else {}))


def key_for(*scopes: Scope) -> str:
    return issue_key(*scopes)
