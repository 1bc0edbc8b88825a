"""Factories for tests: regions through the real signup service, users through the real account service."""

from __future__ import annotations

import itertools
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from accounts.roles import Role
from accounts.services import create_user
from tenants.models import Domain, Region
from tenants.services import approval, provisioning
from tenants.services.signup import SignupRequest, register_region

PASSWORD = "Uji-Coba-Kuat-2026"
_serial = itertools.count(1)


def signup_request(code: str = "64.02", slug: str = "kukar", **overrides: Any) -> SignupRequest:
    values: dict[str, Any] = {
        "code": code,
        "slug": slug,
        "admin_full_name": "Rina Wulandari",
        "admin_email": f"admin@{slug}.go.id",
        "password": PASSWORD,
    }
    values.update(overrides)
    return SignupRequest(**values)


def make_region(code: str = "64.02", slug: str = "kukar", approved: bool = True, **overrides: Any) -> Region:
    """A region through the real signup; approved (as after review) unless ``approved=False``."""
    region = register_region(signup_request(code, slug, **overrides)).region
    return approval.approve_seeded(region, actor="tests") if approved else region


def make_user(
    region: Region | None, role: str = Role.EMPLOYEE, email: str | None = None, **extra: Any
) -> Any:
    """A user in the region's schema (or the public schema when region is None)."""
    schema = region.schema_name if region is not None else "public"
    email = email or f"{role}.{next(_serial)}@{schema.replace('_', '-')}.go.id"
    with schema_context(schema):
        return create_user(
            email=email,
            full_name=extra.pop("full_name", "Andi Pratama"),
            role=role,
            password=extra.pop("password", PASSWORD),
            email_verified=True,
        )


def remove_region(code: str) -> None:
    """Delete a committed region and its schema (tests that commit clean up after themselves)."""
    connection.set_schema_to_public()
    for region in Region.objects.filter(code=code):
        Domain.objects.filter(tenant=region).delete()
        schema = region.schema_name
        region.delete()
        provisioning.drop_schema(schema)
    provisioning.fill_pool(2)  # a committed signup took a spare: later tests expect a full pool


def forget_benchmark() -> None:
    """Every benchmark row in the public schema: publications (and their cells), namings, events, the kept
    versions (a later test's sending would otherwise be audited against another test's) and the
    generation token. For tests that commit a sending: what they leave would otherwise be the national
    figures of every later test on the same worker (another year, another region in the ranking)."""
    from benchmark.models import Event, Generation, Naming, Publication, Version

    Publication.objects.all().delete()
    for model in (Naming, Event, Version, Generation):
        model.objects.all().delete()


def remove_instrument() -> None:
    """The frameworks, banks and items a committed ``load_instrument`` put in the public schema. Raw
    deletes: the ORM's collector would look for rounds in the public schema, which has none."""
    from assessment.instrument.models import (
        Area,
        Competence,
        Framework,
        Item,
        ItemBank,
        ParameterSet,
        ProficiencyLevel,
    )

    for model in (ParameterSet, Item, ItemBank, Competence, Area, ProficiencyLevel, Framework):
        model.objects.all()._raw_delete(model.objects.db)


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None
