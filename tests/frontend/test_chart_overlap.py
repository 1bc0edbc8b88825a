"""The mean (reference) marks of the charts never cross a label or a value: computed bounding boxes.

Text boxes are estimated the way ``frontend.charts`` estimates widths (0.6 of the font size per
character, 0.64 bold); vertically as a browser measures a text's box (``getBBox``): from the ascent
(0.95 of the size above the baseline) to the descent (0.25 below). Reference marks are the vertical
segments of the ``reference`` paths, widened by their stroke.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from frontend import charts
from frontend.charts import drawing

NS = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _text_boxes(root: ET.Element) -> Iterator[tuple[str, Box]]:
    for text in root.iter(f"{NS}text"):
        size = float(text.get("font-size") or charts.FS)
        bold = text.get("font-weight") == "700"
        anchor = text.get("text-anchor") or "start"
        y = float(text.get("y") or 0)
        spans = list(text.iter(f"{NS}tspan")) or [text]
        for k, span in enumerate(spans):
            content = (span.text or "") if spans[0] is not text else "".join(text.itertext())
            if not content.strip():
                continue
            if k:
                y += float(span.get("dy") or 0)
            x = float(span.get("x") or text.get("x") or 0)
            width = drawing._width(content, size, bold)
            left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
            yield content, (left, y - 0.95 * size, left + width, y + 0.25 * size)


def _reference_boxes(root: ET.Element) -> Iterator[Box]:
    for path in root.iter(f"{NS}path"):
        if path.get("class") != "reference":
            continue
        half = float(path.get("stroke-width") or 1) / 2
        for x, y0, y1 in re.findall(r"M([\d.]+),([\d.]+) V([\d.]+)", path.get("d") or ""):
            top, bottom = sorted((float(y0), float(y1)))
            yield float(x) - half, top, float(x) + half, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crossings(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314  # our own markup
    marks = list(_reference_boxes(root))
    assert marks, "the chart draws no reference mark"
    return [text for text, box in _text_boxes(root) for mark in marks if _overlaps(box, mark)]


UNITS = [
    "Dinas Komunikasi dan Informatika",
    "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
    "Kecamatan Tenggarong Seberang",
    "RSUD Aji Muhammad Parikesit",
    "Sekretariat Daerah",
]


@pytest.mark.parametrize("reference", [1.0, 1.9, 2.3, 2.45, 2.6, 3.0, 3.7, 4.0])
def test_ranked_intervals_mean_line_crosses_no_label(reference: float) -> None:
    means = [2.1, 2.3, 2.45, 2.6, 3.2]
    svg = charts.ranked_intervals(
        UNITS,
        means,
        [m - 0.2 for m in means],
        [m + 0.2 for m in means],
        title="Indeks per unit kerja",
        reference=reference,
        reference_label="rata-rata daerah",
    )
    assert _crossings(svg) == []


@pytest.mark.parametrize("reference", [1.2, 2.0, 2.31, 2.4, 2.55, 3.5, 4.0])
def test_area_bars_reference_ticks_cross_no_label(reference: float) -> None:
    areas = [
        "1. Literasi informasi dan data",
        "2. Komunikasi dan kolaborasi",
        "3. Pembuatan konten digital",
        "4. Keamanan",
        "5. Pemecahan masalah",
    ]
    values = [2.31, 2.4, 1.9, 2.6, 3.95]
    svg = charts.area_bars(
        areas,
        values,
        low=[v - 0.15 for v in values],
        high=[v + 0.15 for v in values],
        reference=[reference] * 5,
        reference_label="rata-rata daerah",
        title="Skor per area",
    )
    assert _crossings(svg) == []


def test_the_check_finds_a_crossing() -> None:
    """The geometry check itself: a reference line through a label is caught."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="10" y="20">Dinas Kesehatan</text>'
        '<path class="reference" d="M30,5 V40" stroke-width="2"/></svg>'
    )
    assert _crossings(svg) == ["Dinas Kesehatan"]
