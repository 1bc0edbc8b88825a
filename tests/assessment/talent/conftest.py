"""Region A with a scored round (the results tests' own fixture) for the talent view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from assessment.rounds.models import Round
from tests.assessment.results.conftest import scored_round


@pytest.fixture
def scored(region_a: Any) -> Iterator[tuple[Any, Round]]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield region_a, scored_round(region_a, employees=200, takers=170)
