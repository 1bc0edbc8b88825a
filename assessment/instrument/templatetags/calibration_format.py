"""``{% load calibration_format %}``: a parameter version's ISO date (``ParameterVersion.accepted_on``) as a
date, so templates print it the way every other date is printed (``|date:"j F Y"``: 6 Desember 2026)."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def isodate(value: object) -> date | None:
    """``"2026-12-06"`` -> date(2026, 12, 6); anything else -> None (the template prints its default)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
