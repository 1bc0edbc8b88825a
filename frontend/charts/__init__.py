"""Server-side SVG charts for the results pages: phone-first, printable in black and white, accessible.

Every function returns SVG markup as a ``str``. Every label is escaped here, so callers may mark the
result safe. Charts scale to their container (``viewBox`` and ``width="100%"``); their maximum width is
given in rem so that text never grows past a comfortable size on a wide page. Numbers use the
Indonesian decimal comma unless ``decimal_comma=False``.
"""

from __future__ import annotations

from frontend.charts.comparisons import ranked_intervals, trend
from frontend.charts.distributions import histogram, level_shares
from frontend.charts.drawing import (
    FONT,
    FS,
    GRID,
    HALO,
    HEAT_HIGH,
    HEAT_LOW,
    INK,
    LEVEL_COLOURS,
    LEVEL_CUTS,
    LEVEL_PATTERNS,
    MARGIN,
    MAX_REM,
    MAX_WIDE_REM,
    MISSING,
    MUTED,
    NO_DATA,
    NO_VALUE,
    PRIMARY,
    REFERENCE,
    SMALL,
    WIDTH,
)
from frontend.charts.heat import heat_map
from frontend.charts.profiles import area_bars

__all__ = [
    "FONT",
    "FS",
    "GRID",
    "HALO",
    "HEAT_HIGH",
    "HEAT_LOW",
    "INK",
    "LEVEL_COLOURS",
    "LEVEL_CUTS",
    "LEVEL_PATTERNS",
    "MARGIN",
    "MAX_REM",
    "MAX_WIDE_REM",
    "MISSING",
    "MUTED",
    "NO_DATA",
    "NO_VALUE",
    "PRIMARY",
    "REFERENCE",
    "SMALL",
    "WIDTH",
    "area_bars",
    "heat_map",
    "histogram",
    "level_shares",
    "ranked_intervals",
    "trend",
]
