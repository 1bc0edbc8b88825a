"""Work units: create, rename, move and retire (never delete a unit with history)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from assessment.people.models import WorkUnit


class UnitError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def name_key(name: str) -> str:
    """Units that differ only in case or spacing are the same unit."""
    return re.sub(r"\s+", " ", name.replace("\u00a0", " ")).strip().casefold()


def _check_parent(unit: WorkUnit | None, parent: WorkUnit | None) -> None:
    node = parent
    while node is not None:
        if unit is not None and node.pk == unit.pk:
            raise UnitError("parent", _("A unit cannot be placed under itself or one of its sub-units."))
        node = node.parent
    if parent is not None and parent.is_retired:
        raise UnitError("parent", _("The parent unit is retired."))


def _check_unique(unit: WorkUnit | None, code: str, name: str) -> None:
    others = WorkUnit.objects.exclude(pk=unit.pk) if unit is not None else WorkUnit.objects.all()
    if others.filter(code__iexact=code).exists():
        raise UnitError("code", _("Another unit already has the code %(code)s.") % {"code": code})
    if others.filter(name_key=name_key(name)).exists():
        raise UnitError("name", _("Another unit already has the name “%(name)s”.") % {"name": name})


@transaction.atomic
def create_unit(*, code: str, name: str, kind: str, parent: WorkUnit | None = None) -> WorkUnit:
    code, name = code.strip().upper(), re.sub(r"\s+", " ", name).strip()
    if not code or not name:
        raise UnitError("code" if not code else "name", _("Code and name are required."))
    _check_unique(None, code, name)
    _check_parent(None, parent)
    return WorkUnit.objects.create(code=code, name=name, name_key=name_key(name), kind=kind, parent=parent)


@transaction.atomic
def update_unit(unit: WorkUnit, *, code: str, name: str, kind: str, parent: WorkUnit | None) -> WorkUnit:
    code, name = code.strip().upper(), re.sub(r"\s+", " ", name).strip()
    _check_unique(unit, code, name)
    _check_parent(unit, parent)
    unit.code, unit.name, unit.name_key, unit.kind, unit.parent = code, name, name_key(name), kind, parent
    unit.save()
    return unit


@transaction.atomic
def retire_unit(unit: WorkUnit) -> WorkUnit:
    if unit.employees.filter(is_active=True).exists():
        raise UnitError(
            "unit",
            _("Move or deactivate the unit's active employees before retiring %(unit)s.") % {"unit": unit},
        )
    if unit.children.filter(retired_at__isnull=True).exists():
        raise UnitError("unit", _("Retire or move the sub-units of %(unit)s first.") % {"unit": unit})
    unit.retired_at = timezone.now()
    unit.save(update_fields=["retired_at"])
    return unit


def reinstate_unit(unit: WorkUnit) -> WorkUnit:
    unit.retired_at = None
    unit.save(update_fields=["retired_at"])
    return unit


def delete_unit(unit: WorkUnit) -> None:
    """Only a unit without any history (no employees ever, no sub-units) may be deleted."""
    if unit.employees.exists() or unit.children.exists():
        raise UnitError("unit", _("%(unit)s has history: retire it instead of deleting it.") % {"unit": unit})
    unit.delete()


def scope_for(user: Any) -> list[int] | None:
    """The units a user may see: None (every unit) for region admins; for a unit coordinator the
    units they coordinate with all their sub-units."""
    if user.role == Role.REGION_ADMIN:
        return None
    ids = set(WorkUnit.objects.filter(coordinators=user.pk).values_list("pk", flat=True))
    frontier = list(ids)
    while frontier:
        frontier = list(WorkUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return sorted(ids)
