"""Demo data: a unit coordinator of Kukar who follows two units, so that a walkthrough sees what a
coordinator sees (only those units' live progress, not-started list and code sheets)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from accounts.roles import Role
from accounts.services import create_user
from assessment.people.models import WorkUnit
from assessment.people.services import coordinators

COORDINATOR_EMAIL = "koordinator@kukarkab.go.id"
PASSWORD = "Demo-IKD-2026!"  # noqa: S105 (the demo's, printed and documented in README)
UNIT_CODES = ("DISKOMINFO", "KEC-TGR")


def seed(region: Any, stdout: Any = None) -> None:
    user_model: Any = get_user_model()
    if user_model.objects.filter(email=COORDINATOR_EMAIL).exists():
        return
    units = list(WorkUnit.objects.filter(code__in=UNIT_CODES, retired_at__isnull=True))
    if not units:  # a register without these units: the two largest instead
        units = list(WorkUnit.objects.filter(parent__isnull=True).order_by("name")[:2])
    user = create_user(
        email=COORDINATOR_EMAIL,
        full_name="Ahmad Fauzi",
        role=Role.UNIT_COORDINATOR,
        password=PASSWORD,
        email_verified=True,
    )
    coordinators.set_units(user, units)
    if stdout is not None:
        names = "; ".join(unit.name for unit in units)
        stdout.write(f"  {region.name}: unit coordinator {COORDINATOR_EMAIL} / {PASSWORD} follows {names}.")
