"""frontend.charts: well-formed, accessible, escaped SVG with Indonesian decimals; no database needed."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from frontend import charts

NS = "{http://www.w3.org/2000/svg}"
NASTY = "<Dinas & Co>"
AREAS = ["1. Literasi", "2. Komunikasi", "3. Konten", "4. Keamanan", "5. Masalah"]
LEVELS = ["1 Dasar", "2 Menengah", "3 Mahir", "4 Sangat Mahir"]


def parse(svg: str) -> ET.Element:
    """Parses the markup (proving it well-formed) and checks the accessibility and sizing contract."""
    root = ET.fromstring(svg)  # noqa: S314  # our own markup, parsed to check it
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{NS}title"
    assert desc.tag == f"{NS}desc"
    assert (title.text or "").strip()
    assert (desc.text or "").strip()
    assert (root.get("aria-labelledby") or "").split() == [title.get("id"), desc.get("id")]
    assert root.get("width") == "100%"
    assert root.get("height") is None  # the viewBox gives the proportions
    assert re.fullmatch(r"0 0 \d+(\.\d)? \d+", root.get("viewBox") or "")
    assert root.get("style") is None  # the Content-Security-Policy allows no inline style: ikd.css sizes it
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def of_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if cls in (e.get("class") or "").split()]


def view_height(root: ET.Element) -> float:
    return float((root.get("viewBox") or "").split()[3])


# One call per chart with a hostile label everywhere a label goes, for the checks common to all.
BUILDERS: dict[str, Callable[[str], str]] = {
    "area_bars": lambda label: charts.area_bars(
        [label, "2. Komunikasi"], [2.35, None], reference=[2.5, 2.4], reference_label=label, title=label
    ),
    "histogram": lambda label: charts.histogram([1.0, 2.0, 3.0, 4.0], [2, 5, 1], title=label, x_label=label),
    "level_shares": lambda label: charts.level_shares(
        [label], [[0.1, 0.5, 0.3, 0.1]], level_names=[label, "2", "3", "4"], title=label
    ),
    "heat_map": lambda label: charts.heat_map([label], [label, "2"], [[2.35, None]], title=label),
    "ranked_intervals": lambda label: charts.ranked_intervals(
        [label], [2.35], [2.1], [2.6], title=label, reference=2.2, reference_label=label
    ),
    "trend": lambda label: charts.trend([label, "2025"], [2.35, None], title=label),
}

EMPTY: dict[str, Callable[[], str]] = {
    "area_bars": lambda: charts.area_bars([], [], title="A"),
    "histogram": lambda: charts.histogram([1.0], [], title="B"),
    "histogram_zero": lambda: charts.histogram([1.0, 2.0], [0], title="B"),
    "level_shares": lambda: charts.level_shares([], [], level_names=LEVELS, title="C"),
    "heat_map": lambda: charts.heat_map([], [], [], title="D"),
    "heat_map_no_columns": lambda: charts.heat_map(["Dinas A"], [], [[]], title="D"),
    "ranked_intervals": lambda: charts.ranked_intervals([], [], [], [], title="E"),
    "trend": lambda: charts.trend([], [], title="F"),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_every_chart_is_well_formed_accessible_and_escapes_labels(name: str) -> None:
    svg = BUILDERS[name](NASTY)
    root = parse(svg)
    assert NASTY not in svg  # never raw in the markup...
    assert "&lt;Dinas &amp; Co&gt;" in svg
    assert root[0].text == NASTY  # ...but read back intact
    assert any(NASTY in t for t in texts(root))
    assert root.get("class") == "chart"
    assert "<script" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched


@pytest.mark.parametrize("name", EMPTY)
def test_empty_input_gives_a_valid_chart_saying_so(name: str) -> None:
    root = parse(EMPTY[name]())
    assert "Belum ada data" in texts(root)


def test_control_characters_are_dropped_so_the_page_stays_valid_xml() -> None:
    root = parse(charts.area_bars(["A\x00B\x1bC"], [2.0], title="T\x0c"))
    assert "ABC" in texts(root)


def test_area_bars_comma_decimals_missing_values_and_proportional_bars() -> None:
    root = parse(charts.area_bars(AREAS, [2.35, 4.0, None, 2.5, 1.0], title="Skor per area"))
    shown = texts(root)
    assert "2,35" in shown
    assert "4,00" in shown
    assert "–" in shown
    assert "2.35" not in " ".join(shown)
    bars = of_class(root, "rect", "bar")
    assert len(bars) == 4  # one per value that is not None
    widths = [float(b.get("width", "nan")) for b in bars]
    # on the 1-4 scale 2.5 is half of 4.0, 2.35 is 45% of it, and 1.0 is an empty bar
    assert widths[2] * 2 == pytest.approx(widths[1], abs=0.2)
    assert widths[0] / widths[1] == pytest.approx(1.35 / 3.0, abs=0.01)
    assert widths[3] == 0
    assert len(of_class(root, "text", "missing")) == 1
    assert "3. Konten: –" in (root[1].text or "")


def test_area_bars_decimal_point_when_asked() -> None:
    root = parse(charts.area_bars(["A"], [2.35], title="T", decimal_comma=False))
    assert "2.35" in texts(root)
    assert "2,35" not in texts(root)


def test_area_bars_whiskers_and_reference_ticks() -> None:
    root = parse(
        charts.area_bars(
            ["A", "B", "C"],
            [2.0, 3.0, None],
            low=[1.8, None, None],
            high=[2.2, None, None],
            reference=[2.5, None, 2.7],
            reference_label="rata-rata daerah",
            title="T",
        )
    )
    assert len(of_class(root, "path", "whisker")) == 1
    # a reference is shown even where the value is missing
    assert len(of_class(root, "path", "reference")) == 2
    assert "rata-rata daerah" in texts(root)
    assert "rata-rata daerah 2,50" in (root[1].text or "")


def test_values_outside_the_scale_stay_inside_the_chart() -> None:
    root = parse(charts.area_bars(["A", "B"], [4.0, 9.0], title="T"))
    a, b = (float(r.get("width", "nan")) for r in of_class(root, "rect", "bar"))
    assert a == b
    assert "9,00" in texts(root)  # the true value is still printed


def test_nan_counts_as_missing() -> None:
    root = parse(charts.area_bars(["A"], [math.nan], title="T"))
    assert not of_class(root, "rect", "bar")
    assert "–" in texts(root)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="values"):
        charts.area_bars(["A", "B"], [2.0], title="T")
    with pytest.raises(ValueError, match="edges"):
        charts.histogram([1.0, 2.0], [1, 2], title="T")
    with pytest.raises(ValueError, match="shares"):
        charts.level_shares(["A"], [[0.5, 0.5]], level_names=LEVELS, title="T")
    with pytest.raises(ValueError, match="scale"):
        charts.trend(["2025"], [2.0], title="T", scale=(4.0, 1.0))


def test_histogram_bars_counts_and_edge_ticks() -> None:
    edges = [1.0 + 0.25 * k for k in range(13)]
    counts = [0, 3, 12, 40, 95, 150, 1234, 110, 60, 22, 8, 1]
    root = parse(charts.histogram(edges, counts, title="Sebaran", x_label="indeks (1–4)"))
    bars = of_class(root, "rect", "bar")
    assert len(bars) == len(counts)
    heights = [float(b.get("height", "nan")) for b in bars]
    assert heights[6] == max(heights)
    assert heights[5] / heights[6] == pytest.approx(150 / 1234, abs=0.01)
    shown = texts(root)
    assert "1.234" in shown  # Indonesian thousands separator
    assert {"1", "1,5", "2", "4"} <= set(shown)
    assert "indeks (1–4)" in shown
    assert len(list(root.iter(f"{NS}line"))) >= len(edges)  # a tick mark at every edge


def test_level_shares_segments_percentages_and_legend() -> None:
    root = parse(
        charts.level_shares(
            ["Indeks", "1. Literasi", "2. Komunikasi"],
            [[0.1, 0.5, 0.3, 0.1], [1 / 3, 1 / 3, 1 / 3, 0.0], [0.0, 0.0, 0.0, 0.0]],
            level_names=LEVELS,
            title="Tingkat",
        )
    )
    segments = of_class(root, "rect", "segment")
    assert len(segments) == 4 + 3  # empty shares draw no segment, the empty row none at all
    first, second = (float(s.get("width", "nan")) for s in segments[:2])
    assert second == pytest.approx(5 * first, abs=0.2)
    shown = texts(root)
    assert {"10%", "50%", "30%"} <= set(shown)
    assert sorted(t for t in shown if t in {"33%", "34%"}) == ["33%", "33%", "34%"]  # adds up to 100
    assert set(LEVELS) <= set(shown)  # legend
    assert "–" in shown
    assert any("url(#" in (r.get("fill") or "") for r in root.iter(f"{NS}rect"))  # print patterns


def test_level_colours_meet_aa_contrast_with_their_text() -> None:
    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a: str, b: str) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    root = parse(charts.level_shares(["A"], [[0.25, 0.25, 0.25, 0.25]], level_names=LEVELS, title="T"))
    labelled = [t for t in root.iter(f"{NS}text") if (t.text or "").endswith("%")]
    assert len(labelled) == 4
    for text, colour in zip(labelled, charts.LEVEL_COLOURS, strict=True):
        assert contrast(text.get("fill", ""), colour) >= 4.5
        assert contrast(colour, "#ffffff") >= 3  # the segment against the page


def test_heat_map_cells_values_missing_and_flagged_rows() -> None:
    root = parse(
        charts.heat_map(
            ["Dinas A", "Puskesmas B", NASTY],
            ["1", "2"],
            [[2.1, None], [3.25, 2.9], [1.0, 4.0]],
            title="Unit",
            flagged_rows=[1],
        )
    )
    cells = [r for r in root.iter(f"{NS}rect") if r.get("class") == "cell"]
    assert len(cells) == 3 * 2
    missing = [c for c in cells if (c.get("fill") or "").startswith("url(#")]  # hatched
    assert len(missing) == 1
    shown = texts(root)
    assert "Puskesmas B *" in shown
    assert "Dinas A" in shown  # not flagged, no marker
    assert "3,25" in shown
    assert "–" in shown
    fills = [c.get("fill") for c in cells if c not in missing]
    assert len(set(fills)) == 5  # the colour follows the value
    assert "* kelompok kecil" in shown


def test_a_wide_heat_map_gets_a_wider_size_class_that_the_stylesheet_defines() -> None:
    from django.conf import settings

    areas = [f"Area {i}" for i in range(12)]
    root = parse(charts.heat_map(["A"], areas, [[2.0] * 12], title="T"))
    classes = (root.get("class") or "").split()
    assert classes[0] == "chart"
    assert classes[1].startswith("chart-max-")
    css = (settings.BASE_DIR / "frontend" / "static" / "frontend" / "css" / "ikd.css").read_text()
    assert f"svg.chart.{classes[1]} {{ max-width:" in css
    huge = parse(charts.heat_map(["A"], [f"A{i}" for i in range(60)], [[2.0] * 60], title="T"))
    assert (huge.get("class") or "").split()[1] == f"chart-max-{charts.MAX_WIDE_REM}"


def test_heat_map_height_grows_with_many_units() -> None:
    few = parse(charts.heat_map(["A"], AREAS, [[2.0] * 5], title="T"))
    many = parse(charts.heat_map([f"Unit {i}" for i in range(100)], AREAS, [[2.0] * 5] * 100, title="T"))
    assert len(of_class(many, "rect", "cell")) == 500
    assert view_height(many) > view_height(few) + 99 * 20


def test_ranked_intervals_rows_reference_and_missing_mean() -> None:
    root = parse(
        charts.ranked_intervals(
            ["Dinas A", "Dinas B", "Dinas C"],
            [3.1, 2.45, math.nan],
            [2.9, 2.2, math.nan],
            [3.3, 2.7, math.nan],
            title="Peringkat",
            reference=2.6,
            reference_label="daerah",
        )
    )
    dots = of_class(root, "circle", "dot")
    assert len(dots) == 2
    assert float(dots[0].get("cx", "nan")) > float(dots[1].get("cx", "nan"))
    shown = texts(root)
    assert {"3,10", "2,45", "–", "daerah 2,60"} <= set(shown)
    assert len(of_class(root, "path", "reference")) == 1  # one path, a dash band per row
    assert "Dinas A: 3,10 (2,90–3,30)" in (root[1].text or "")


def test_trend_points_values_and_gap() -> None:
    root = parse(charts.trend(["2023", "2024", "2025"], [2.3, None, 2.55], title="Tren"))
    assert len(of_class(root, "circle", "dot")) == 2
    shown = texts(root)
    assert {"2,30", "2,55", "–", "2023", "2025"} <= set(shown)
    path = next(p for p in root.iter(f"{NS}path") if p.get("stroke") == charts.PRIMARY)
    assert "L" not in (path.get("d") or "")  # no line is drawn across the missing period


def test_ids_are_stable_and_distinct_between_charts() -> None:
    a1 = charts.trend(["2025"], [2.0], title="A")
    a2 = charts.trend(["2025"], [2.0], title="A")
    b = charts.trend(["2025"], [2.1], title="A")
    assert a1 == a2
    assert parse(a1).get("aria-labelledby") != parse(b).get("aria-labelledby")
