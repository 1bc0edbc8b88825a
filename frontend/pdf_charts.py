"""Charts for the printed reports, drawn as ReportLab vector drawings by our own code.

The pages draw SVG (``frontend.charts``); a PDF needs ReportLab's own shapes, so the same three views
are drawn here again: the areas against a reference, the share of people at each level, and the units
heat map. Rules that keep them legible on paper, and that ``tests/frontend/test_pdf_layout.py`` checks
through the text positions of every document:

* every label has a box of its own: long names are cut to the width they are given (with "…"), never
  drawn over a neighbour; the full name stands in the report's tables;
* colours carry a second cue: each value is printed as a number, so a grey-scale copy still reads;
* numbers use the Indonesian decimal comma (``frontend.pdf.decimal``).

``String`` draws text as it is (no markup), so names from users are safe here without escaping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from frontend.charts import HEAT_HIGH, HEAT_LOW, INK, LEVEL_COLOURS, MUTED, PRIMARY, REFERENCE
from frontend.pdf import MISSING, decimal, percent

__all__ = ["HeatRow", "area_bars", "clip", "heat_maps", "level_bars"]

FONT, BOLD = "Helvetica", "Helvetica-Bold"
SCALE = (1.0, 4.0)
ELLIPSIS = "…"


def clip(label: str, width: float, size: float, font: str = FONT) -> str:
    """``label`` cut to ``width`` points, with an ellipsis when cut."""
    label = " ".join(label.split())
    if stringWidth(label, font, size) <= width:
        return label
    while label and stringWidth(label + ELLIPSIS, font, size) > width:
        label = label[:-1]
    return label.rstrip() + ELLIPSIS


def _x(value: float, left: float, width: float) -> float:
    low, high = SCALE
    return left + (min(max(value, low), high) - low) / (high - low) * width


def _axis(drawing: Drawing, left: float, width: float, top: float, bottom: float) -> None:
    """Grid lines at 1, 2, 3, 4 and their labels under the plot."""
    for tick in (1, 2, 3, 4):
        x = _x(tick, left, width)
        drawing.add(Line(x, bottom, x, top, strokeColor=colors.HexColor("#d5dbe0"), strokeWidth=0.5))
        drawing.add(String(x, bottom - 10, str(tick), fontName=FONT, fontSize=7, textAnchor="middle"))


def area_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    reference: Sequence[float | None] | None = None,
    reference_label: str = "",
    width: float = 480,
) -> Drawing:
    """One bar per area on the 1-4 scale with its value; an optional reference (e.g. the national
    mean) as a tick on each bar, explained in a legend under the axis."""
    row, label_width, value_width = 22.0, 170.0, 30.0
    plot_left, plot_width = label_width + 6, width - label_width - 6 - value_width
    legend = 14.0 if reference is not None else 0.0
    height = len(labels) * row + 16 + legend
    drawing = Drawing(width, height)
    top = height
    bottom = 16 + legend
    _axis(drawing, plot_left, plot_width, top, bottom)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top - (i + 1) * row
        drawing.add(String(0, y + 8, clip(label, label_width, 8), fontName=FONT, fontSize=8))
        if value is None:
            drawing.add(String(plot_left + 2, y + 8, MISSING, fontName=FONT, fontSize=8))
            continue
        end = _x(value, plot_left, plot_width)
        drawing.add(
            Rect(
                plot_left,
                y + 4,
                end - plot_left,
                row - 8,
                fillColor=colors.HexColor(PRIMARY),
                strokeColor=None,
            )
        )
        drawing.add(String(width - value_width + 4, y + 8, decimal(value), fontName=BOLD, fontSize=8))
        mark = reference[i] if reference is not None else None
        if mark is not None:
            x = _x(mark, plot_left, plot_width)
            drawing.add(Line(x, y + 1, x, y + row - 1, strokeColor=colors.white, strokeWidth=3.5))
            drawing.add(Line(x, y + 1, x, y + row - 1, strokeColor=colors.HexColor(REFERENCE), strokeWidth=2))
    if reference is not None:
        drawing.add(
            Line(plot_left, 5, plot_left + 12, 5, strokeColor=colors.HexColor(REFERENCE), strokeWidth=2)
        )
        drawing.add(
            String(plot_left + 16, 2, clip(reference_label, plot_width - 16, 7), fontName=FONT, fontSize=7)
        )
    return drawing


def level_bars(names: Sequence[str], shares: Sequence[float], *, width: float = 480) -> Drawing:
    """The share of people at each level: one column per level, its percentage above it, its name
    under it."""
    height, base, column_top = 130.0, 24.0, 112.0
    slot = width / len(names)
    tallest = max(max(shares, default=0.0), 0.01)
    drawing = Drawing(width, height)
    drawing.add(Line(0, base, width, base, strokeColor=colors.HexColor(MUTED), strokeWidth=0.5))
    for i, (name, share) in enumerate(zip(names, shares, strict=True)):
        centre = slot * i + slot / 2
        bar = (column_top - base - 12) * share / tallest
        drawing.add(
            Rect(
                centre - slot * 0.3,
                base,
                slot * 0.6,
                bar,
                fillColor=colors.HexColor(LEVEL_COLOURS[i % len(LEVEL_COLOURS)]),
                strokeColor=None,
            )
        )
        drawing.add(
            String(centre, base + bar + 4, percent(share), fontName=BOLD, fontSize=8, textAnchor="middle")
        )
        drawing.add(
            String(centre, base - 12, clip(name, slot - 6, 8), fontName=FONT, fontSize=8, textAnchor="middle")
        )
    return drawing


@dataclass(frozen=True)
class HeatRow:
    label: str
    values: tuple[float | None, ...]  # one per column
    note: str = ""  # a mark after the label, e.g. "*" for a small unit


def _mix(t: float) -> colors.Color:
    low, high = colors.HexColor(HEAT_LOW), colors.HexColor(HEAT_HIGH)
    return colors.Color(
        low.red + (high.red - low.red) * t,
        low.green + (high.green - low.green) * t,
        low.blue + (high.blue - low.blue) * t,
    )


def _ink_on(fill: colors.Color) -> colors.Color:
    luminance = 0.2126 * fill.red + 0.7152 * fill.green + 0.0722 * fill.blue
    return colors.white if luminance < 0.5 else colors.HexColor(INK)


def heat_maps(
    columns: Sequence[str], rows: Sequence[HeatRow], *, width: float = 510, rows_per_drawing: int = 48
) -> list[Drawing]:
    """Units (rows) by areas (columns), each cell coloured by its mean on a sequential scale from the
    lowest to the highest mean shown, with the value printed in it. A long list is cut into several
    drawings, each with the column heads, so the report can run it over pages."""
    row_height, head_height, label_width = 12.0, 26.0, 190.0
    cell_width = (width - label_width) / max(len(columns), 1)
    shown = [v for r in rows for v in r.values if v is not None]
    low, high = (min(shown), max(shown)) if shown else (1.0, 4.0)
    span = (high - low) or 1.0
    drawings = []
    for start in range(0, max(len(rows), 1), rows_per_drawing):
        chunk = rows[start : start + rows_per_drawing]
        height = head_height + row_height * len(chunk)
        drawing = Drawing(width, height)
        for c, column in enumerate(columns):
            x = label_width + c * cell_width
            # Column heads on two lines at most, each cut to the cell's width.
            words = column.split()
            first, second = "", ""
            for word in words:
                if not second and stringWidth((first + " " + word).strip(), BOLD, 7) <= cell_width - 4:
                    first = (first + " " + word).strip()
                else:
                    second = (second + " " + word).strip()
            drawing.add(
                String(
                    x + cell_width / 2,
                    height - 10,
                    clip(first, cell_width - 4, 7, BOLD),
                    fontName=BOLD,
                    fontSize=7,
                    textAnchor="middle",
                )
            )
            if second:
                drawing.add(
                    String(
                        x + cell_width / 2,
                        height - 20,
                        clip(second, cell_width - 4, 7, BOLD),
                        fontName=BOLD,
                        fontSize=7,
                        textAnchor="middle",
                    )
                )
        for r, row in enumerate(chunk):
            y = height - head_height - (r + 1) * row_height
            note = f" {row.note}" if row.note else ""
            label = clip(row.label, label_width - 6 - stringWidth(note, FONT, 7), 7) + note
            drawing.add(String(0, y + 3, label, fontName=FONT, fontSize=7))
            for c, value in enumerate(row.values):
                x = label_width + c * cell_width
                fill = colors.HexColor("#f2f3f4") if value is None else _mix((value - low) / span)
                drawing.add(
                    Rect(
                        x,
                        y,
                        cell_width,
                        row_height,
                        fillColor=fill,
                        strokeColor=colors.white,
                        strokeWidth=0.5,
                    )
                )
                drawing.add(
                    String(
                        x + cell_width / 2,
                        y + 3,
                        MISSING if value is None else decimal(value),
                        fontName=FONT,
                        fontSize=7,
                        fillColor=colors.HexColor(INK) if value is None else _ink_on(fill),
                        textAnchor="middle",
                    )
                )
        drawings.append(drawing)
    return drawings
