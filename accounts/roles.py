"""Roles: three inside a region's schema, two on the platform (public schema)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGION_ADMIN = "region_admin", _("Region admin")
    UNIT_COORDINATOR = "unit_coordinator", _("Unit coordinator")
    EMPLOYEE = "employee", _("Employee")
    NATIONAL_VIEWER = "national_viewer", _("National viewer")
    PLATFORM_OPERATOR = "platform_operator", _("Platform operator")


REGION_ROLES = frozenset({Role.REGION_ADMIN, Role.UNIT_COORDINATOR, Role.EMPLOYEE})
PLATFORM_ROLES = frozenset({Role.NATIONAL_VIEWER, Role.PLATFORM_OPERATOR})
