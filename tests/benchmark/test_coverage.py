"""The coverage rule: a figure on few regions or people is marked everywhere, kept out of the trend line."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from benchmark import coverage
from benchmark.services import national
from frontend import charts
from tests.benchmark.conftest import INSTRUMENT, PEERS, publish_regions

SVG = "{http://www.w3.org/2000/svg}"


def row(participants: int, mean: float = 2.3) -> national.RegionRow:
    return national.RegionRow(
        "", "", "", "", "", 0, "", "", participants, None, mean, mean - 0.05, mean + 0.05, [], False
    )


def test_the_rule_needs_both_enough_regions_and_enough_people() -> None:
    assert (coverage.MIN_REGIONS, coverage.MIN_PEOPLE) == (10, 1_000)
    assert coverage.rule() == {"min_regions": 10, "min_people": 1_000}
    assert not coverage.limited(10, 1_000)
    assert coverage.limited(9, 50_000)  # a few large regions are still a few regions
    assert coverage.limited(40, 999)  # many tiny regions are still few people
    assert coverage.limited(0, 0)
    assert national.weighted("all", "all", [row(100)] * 10).limited is False
    assert national.weighted("all", "all", [row(99)] * 10).limited is True
    assert national.weighted("all", "all", [row(5_000)] * 9).limited is True
    assert national.weighted("all", "all", []).limited is True


def test_every_figure_of_the_overview_carries_its_coverage(db: Any) -> None:
    publish_regions(years=(2025,))  # 8 regions: below the rule
    overview = national.overview(national.resolve(INSTRUMENT, 2025))
    assert (overview.national.regions, overview.national.limited) == (len(PEERS), True)
    assert [f.limited for f in overview.trend] == [True]
    figures = [*overview.provinces, *overview.kinds, *(f for fs in overview.segments.values() for f in fs)]
    assert figures
    assert all(f.limited == coverage.limited(f.regions, f.people) for f in figures)


def test_the_trend_draws_a_limited_year_apart_and_joins_only_comparable_years() -> None:
    svg = charts.trend(
        ["2023", "2024", "2025", "2026"],
        [2.2, 2.3, 2.35, 2.4],
        title="Indeks nasional per tahun",
        apart=[False, True, False, False],
        apart_label="cakupan terbatas",
    )
    root = ElementTree.fromstring(svg)  # noqa: S314  # our own markup, parsed to check it
    circles = list(root.iter(f"{SVG}circle"))
    assert [c.get("class") for c in circles] == ["dot", "dot dot-apart", "dot", "dot"]
    assert circles[1].get("fill") == "#fff"  # hollow
    [line] = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "2.5"]
    d = line.get("d") or ""
    # 2023 stands alone (its neighbour is apart); 2025 and 2026 are joined; nothing passes through 2024.
    assert d.count("M") == 2
    assert d.count("L") == 1
    assert "2024 (cakupan terbatas)" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
