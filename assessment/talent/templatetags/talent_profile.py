"""``{% load talent_profile %}``: a row's area profile as a small SVG of bars (no inline style: the
site's CSP forbids it), with the values in its accessible name and shown as text beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessment.talent.services.register import AreaMark

register = template.Library()

BAR, GAP, HEIGHT = 9, 3, 24


@register.simple_tag
def area_profile(marks: Sequence[AreaMark]) -> SafeString:
    """Five bars from 1 to 4, coloured by level; the label reads "Area 1 Name: 2,3 (level 2 Menengah)".

    Built with plain string formatting (50 rows a page; ``format_html`` and ``number_format`` per
    value cost more than the rest of the row): every text from the data is escaped once, the numbers
    are integers or formatted here."""
    if not marks:
        return mark_safe("")
    sep = str(get_format("DECIMAL_SEPARATOR"))
    sentence = _("Area %(area)s %(name)s: %(score)s (level %(level)s %(level_name)s)")
    shown = [one_decimal(m.shown, sep) for m in marks]
    label = escape(
        "; ".join(
            sentence
            % {"area": m.area, "name": m.name, "score": s, "level": m.level, "level_name": m.level_name}
            for m, s in zip(marks, shown, strict=True)
        )
    )
    width = len(marks) * (BAR + GAP) - GAP
    bars = []
    for k, m in enumerate(marks):
        x, h, level = k * (BAR + GAP), _height(m.score), max(1, min(4, m.level))
        bars.append(
            f'<rect class="track" x="{x}" y="0" width="{BAR}" height="{HEIGHT}"></rect>'
            f'<rect class="bar-{level}" x="{x}" y="{HEIGHT - h}" width="{BAR}" height="{h}"></rect>'
        )
    values = escape(" ".join(shown))
    return mark_safe(  # noqa: S308 - every interpolated text is escaped above
        f'<span class="profile"><svg role="img" aria-label="{label}" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}"><title>{label}</title>{"".join(bars)}</svg>'
        f'<span class="profile-values" aria-hidden="true">{values}</span></span>'
    )


def one_decimal(value: float, sep: str) -> str:
    """``number_format(value, 1)`` for the 1-4 scale: one decimal cut (not rounded) as Django cuts it,
    the locale's decimal separator, no grouping (values are below 10)."""
    whole, _dot, decimals = f"{value:f}".partition(".")
    return f"{whole}{sep}{(decimals + '0')[:1]}"


def _height(score: float) -> int:
    """Score 1..4 to a bar of 2..HEIGHT px (a level-1 score still shows)."""
    return max(2, round((min(4.0, max(1.0, score)) - 1) / 3 * HEIGHT))
