"""Region A with two units and three employees, and an admin signed in on its host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.people.models import Employee
from assessment.people.services import units
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
BUDI, SITI, ANDI = "198703122010011003", "199001052015032001", "199512202023211004"


def employee(nip: str, name: str, unit: Any, **extra: Any) -> Employee:
    return Employee.objects.create(
        nip=nip,
        full_name=name,
        unit=unit,
        position_type=extra.pop("position_type", "fungsional"),
        employment_status=extra.pop("employment_status", "PNS"),
        sex=extra.pop("sex", "L"),
        **extra,
    )


@pytest.fixture
def people(region_a: Any) -> Iterator[dict[str, Employee]]:
    with schema_context(region_a.schema_name):
        dinkes = units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        kec = units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        yield {
            "budi": employee(BUDI, "Budi Santoso", dinkes, rank="III/c", position_title="Pranata Komputer"),
            "siti": employee(SITI, "Siti Aminah", dinkes, sex="P", rank="III/a"),
            "andi": employee(ANDI, "Andi Pratama", kec, employment_status="PPPK", rank="VII"),
        }


def signed_in(region: Any, role: str = Role.REGION_ADMIN) -> Client:
    user = make_user(region, role)
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client
