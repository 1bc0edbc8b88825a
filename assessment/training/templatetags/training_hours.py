"""``{% training_hours employee %}``: the employee's JP this year against the 20 owed, with the records
(the result pages, for the employee and for the region admin)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from assessment.training.services.hours import year_hours

register = template.Library()


@register.inclusion_tag("training/_year_hours.html")
def training_hours(employee: Any) -> dict[str, Any]:
    return {"hours": year_hours(employee.pk, timezone.localdate().year)}
