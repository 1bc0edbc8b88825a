"""``{% load ikd_text %}``: the sentence rule of ``frontend.text`` for templates."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from frontend import text

register = template.Library()


@register.filter(is_safe=True)
def sentence(value: object) -> SafeString:
    """Escapes first (a name stays text), then removes the doubled period after an abbreviation."""
    escaped = conditional_escape(value if isinstance(value, str) else str(value))  # SafeString stays
    return mark_safe(text.sentence(str(escaped)))  # noqa: S308 - escaped above
