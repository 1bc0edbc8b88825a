"""Server-side SVG charts: well-formed, accessible, escaped, Indonesian decimals, proportional bars."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from frontend import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314  # our own markup, parsed to check it
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.find(f"{NS}title") is not None
    assert root.find(f"{NS}desc") is not None
    assert root.get("width") == "100%"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def test_area_bars_are_proportional_with_comma_decimals_and_missing_values() -> None:
    root = parse(
        charts.area_bars(["1. Literasi", "2. Komunikasi", "3. Konten"], [2.5, 4.0, None], title="Area")
    )
    bars = [b for b in root.iter(f"{NS}rect") if b.get("class") == "bar"]
    assert len(bars) == 2
    # 2.5 is half of the 1-4 scale, 4.0 all of it
    assert abs(float(bars[0].get("width", 0)) * 2 - float(bars[1].get("width", 0))) < 0.5
    assert "2,50" in texts(root)
    assert "–" in texts(root)


def test_labels_are_escaped_and_the_markup_still_parses() -> None:
    svg = charts.ranked_intervals(["<Dinas & Co>"], [2.3], [2.1], [2.5], title="Unit <a>", reference=2.2)
    root = parse(svg)
    assert "<Dinas & Co>" in " ".join(texts(root))
    assert "&lt;Dinas &amp; Co&gt;" in svg


def test_histogram_level_shares_and_trend() -> None:
    root = parse(charts.histogram([1.0, 1.5, 2.0, 2.5], [3, 10, 5], title="Sebaran"))
    assert len([r for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]) == 3
    root = parse(
        charts.level_shares(
            ["Indeks"], [[0.1, 0.5, 0.3, 0.1]], level_names=["1", "2", "3", "4"], title="Tingkat"
        )
    )
    assert len([r for r in root.iter(f"{NS}rect") if r.get("class") == "segment"]) == 4
    assert "50%" in texts(root)
    root = parse(charts.trend(["2023", "2024", "2025"], [2.3, None, 2.5], title="Tren"))
    assert len(list(root.iter(f"{NS}circle"))) == 2


def test_heat_map_marks_small_groups_and_hatches_missing_cells() -> None:
    root = parse(
        charts.heat_map(
            ["Dinas A", "Puskesmas B"], ["1", "2"], [[2.1, None], [3.2, 2.9]], title="Unit", flagged_rows=[1]
        )
    )
    cells = [r for r in root.iter(f"{NS}rect") if r.get("class") == "cell"]
    assert len(cells) == 4
    assert any("url(#" in (c.get("fill") or "") for c in cells)
    assert "Puskesmas B *" in texts(root)
    assert "3,20" in texts(root)


def test_empty_input_says_so() -> None:
    for svg in (
        charts.area_bars([], [], title="A"),
        charts.histogram([1.0], [], title="B"),
        charts.heat_map([], [], [], title="C"),
        charts.ranked_intervals([], [], [], [], title="D"),
    ):
        assert "Belum ada data" in texts(parse(svg))


def test_every_chart_has_its_own_ids() -> None:
    ids = re.findall(
        r'id="(chart-t\d+)"', charts.trend(["a"], [2.0], title="x") + charts.trend(["a"], [2.0], title="y")
    )
    assert len(set(ids)) == 2
