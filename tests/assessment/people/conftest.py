"""Region A with two work units, in its schema: where the import tests run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context

from assessment.people.services import units


@pytest.fixture
def region(region_a: Any) -> Iterator[Any]:
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        yield region_a
