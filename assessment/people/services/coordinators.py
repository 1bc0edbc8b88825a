"""Which work units a coordinator follows: assigning them, reading them, finding them by code or name.

A coordinator follows one or more units (``WorkUnit.coordinators``) and sees those units with all their
sub-units (``units.scope_for``). Only unit coordinators hold units: an admin sees every unit anyway and
an employee none, so units given to either would only mislead whoever reads the list later; a user whose
role changes away from coordinator loses their units in the same transaction. Every change is recorded
by the audit trail's m2m receiver (``audit.receivers``), whichever page made it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.people.services.units import name_key

SEPARATOR = ";"


class CoordinatorError(ValueError):
    pass


def units_of(user: Any) -> list[WorkUnit]:
    return list(WorkUnit.objects.filter(coordinators=user.pk).order_by("name"))


@transaction.atomic
def set_units(user: Any, units: Iterable[WorkUnit]) -> None:
    """``user`` follows exactly ``units`` (none for any other role than coordinator)."""
    units = list(units)
    chosen = {unit.pk for unit in units}
    if chosen and user.role != Role.UNIT_COORDINATOR:
        raise CoordinatorError(_("Only unit coordinators are assigned work units."))
    if any(unit.is_retired for unit in units):
        raise CoordinatorError(_("A retired unit cannot be assigned."))
    current = set(WorkUnit.objects.filter(coordinators=user.pk).values_list("pk", flat=True))
    if chosen - current:
        user.coordinated_units.add(*(chosen - current))
    if current - chosen:
        user.coordinated_units.remove(*(current - chosen))


def add_coordinator(unit: WorkUnit, user: Any) -> None:
    if user.role != Role.UNIT_COORDINATOR:
        raise CoordinatorError(_("Only unit coordinators are assigned work units."))
    if unit.is_retired:
        raise CoordinatorError(_("A retired unit cannot be assigned."))
    unit.coordinators.add(user)


def remove_coordinator(unit: WorkUnit, user: Any) -> None:
    unit.coordinators.remove(user)


@dataclass(frozen=True)
class Lookup:
    """Active units by upper-cased code and by folded name, read once for a whole file."""

    by_code: dict[str, WorkUnit]
    by_name: dict[str, WorkUnit]

    @classmethod
    def load(cls) -> Lookup:
        active = list(WorkUnit.objects.filter(retired_at__isnull=True))
        return cls({u.code.upper(): u for u in active}, {u.name_key: u for u in active})

    def find(self, text: str) -> WorkUnit | None:
        return self.by_code.get(text.strip().upper()) or self.by_name.get(name_key(text))


def split_units(text: str) -> list[str]:
    """``"DINKES; Kecamatan Tenggarong"`` -> the two parts (empty parts dropped)."""
    return [part.strip() for part in re.split(SEPARATOR, text or "") if part.strip()]


def resolve(texts: Sequence[str], lookup: Lookup) -> tuple[list[WorkUnit], list[str]]:
    """The units named (by code or name) and the texts that name no active unit."""
    found: dict[int, WorkUnit] = {}
    unknown: list[str] = []
    for text in texts:
        unit = lookup.find(text)
        if unit is None:
            unknown.append(text)
        else:
            found.setdefault(unit.pk, unit)
    return list(found.values()), unknown
