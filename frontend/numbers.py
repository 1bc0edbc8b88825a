"""Rounding a figure for display, one rule for every page, PDF, export and chart.

Django's ``floatformat`` (the pages) rounds the number as written (``repr``) half up: 2.125 shows 2.13.
Python's ``round`` and ``f"{x:.2f}"`` round the binary float, where 2.125 may be 2.12499...: the same
figure printed 2.13 on a page and 2.12 in the Bupati's PDF. Scores and aggregates are stored with four
decimals, so such ties are common (about one group figure in a hundred). Every other place rounds
through :func:`half_up`, which does what ``floatformat`` does.

A person's index beside their level is rounded down instead (``assessment.results.planning.shown_value``),
so that 2.47 never reads "2.5 Menengah": that rule is about the level cuts, not about agreeing digits.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def half_up(value: float, digits: int) -> Decimal:
    """``value`` rounded half up at ``digits`` decimals, as written (``repr``), as ``floatformat`` does."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def rounded(value: float, digits: int) -> float:
    """:func:`half_up` as a number (a cell of a spreadsheet, a point of a chart)."""
    return float(half_up(value, digits))
