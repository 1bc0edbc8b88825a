"""``{% load results_numbers %}``: a person's index as shown beside their level.

``{{ score.index|shown_index|floatformat:1 }}``: rounded down (``planning.shown_value``), so 2.47 reads
2,4 beside "2 Menengah", never 2,5; ``floatformat`` then writes it in the page's language.
"""

from __future__ import annotations

from django import template

from assessment.results.planning import shown_value

register = template.Library()


@register.filter
def shown_index(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else shown_value(float(value), int(digits))
