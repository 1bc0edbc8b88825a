"""Labels, charts and tables of the benchmark pages, from the national figures (server-side SVG)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from benchmark import coverage, segments
from benchmark.services import exporting, national
from frontend import charts
from frontend.numbers import rounded
from tenants import wilayah

# The five areas of the national instrument (DigComp), in area order: the benchmark's vocabulary.
AREA_NAMES = (
    gettext_lazy("Information and data literacy"),
    gettext_lazy("Communication and collaboration"),
    gettext_lazy("Digital content creation"),
    gettext_lazy("Safety"),
    gettext_lazy("Problem solving"),
)
KINDS = segments.KINDS
kind_label = segments.kind_label
# How an anonymised peer is called: the kind is public knowledge, the letter follows the ranking.
PEER_WORDS = {
    wilayah.Kind.PROVINSI: "Provinsi",
    wilayah.Kind.KABUPATEN: "Kabupaten",
    wilayah.Kind.KOTA: "Kota",
}


def _dc() -> bool:
    """Decimal comma in Indonesian, point in English: charts follow the page's language."""
    return (get_language() or "id").split("-")[0] != "en"


def two(value: float | None) -> float | None:
    """Two decimals rounded half up, as the tables' ``floatformat`` does, so a chart and a table agree."""
    return None if value is None else rounded(value, 2)


def _twos(values: Sequence[float | None]) -> list[float | None]:
    return [two(v) for v in values]


def _safe(svg: str) -> SafeString:
    return mark_safe(svg)  # noqa: S308  # frontend.charts escapes every label it draws


def area_labels() -> list[str]:
    return [f"{k}. {name}" for k, name in enumerate(AREA_NAMES, start=1)]


def level_names() -> list[str]:
    return [_("Level %(n)s") % {"n": n} for n in (1, 2, 3, 4)]


def provinces() -> list[tuple[str, str]]:
    return [(r.code, r.province_name) for r in wilayah.official_regions().values() if r.kind == "provinsi"]


def letters(k: int) -> str:
    """A, B, ..., Z, AA, AB, ...: the k-th (0-based) anonymous label."""
    out = ""
    k += 1
    while k:
        k, rest = divmod(k - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def peer_names(rows: Sequence[national.RegionRow], named: set[str], me: str | None) -> dict[str, str]:
    """Names for a region's view of its peers: itself and regions that opted in by name; the others as
    "Kabupaten A", "Kota B"..., lettered in ranking order so the label gives nothing beyond the rank."""
    out: dict[str, str] = {}
    counters: dict[str, int] = {}
    for row in rows:  # rows come ranked
        if row.code == me or row.code in named:
            out[row.code] = row.name
        else:
            k = counters.get(row.kind, 0)
            counters[row.kind] = k + 1
            out[row.code] = f"{PEER_WORDS.get(row.kind, row.kind)} {letters(k)}"
    return out


def segment_tables(overview: national.Overview) -> list[dict[str, Any]]:
    out = []
    for dimension, figures in overview.segments.items():
        rows = [{"label": segments.label(dimension, f.key), "figure": f} for f in figures]
        out.append({"dimension": dimension, "title": str(segments.DIMENSIONS[dimension][0]), "rows": rows})
    return out


def overview_charts(overview: national.Overview) -> dict[str, SafeString]:
    out: dict[str, SafeString] = {}
    dc = _dc()
    trend = overview.trend
    if trend:
        out["trend"] = _safe(
            charts.trend(
                [f.label for f in trend],
                _twos([f.mean for f in trend]),
                title=_("National index by year"),
                decimal_comma=dc,
                # The coverage rule (benchmark.coverage): a year on few regions or people stands apart.
                apart=[f.limited for f in trend],
                apart_label=_("limited coverage"),
            )
        )
    edges, counts = overview.distribution
    if counts:
        out["distribution"] = _safe(
            charts.histogram(
                edges, counts, title=_("Regions by index"), x_label=_("index (1–4)"), decimal_comma=dc
            )
        )
    nat = overview.national
    if nat.mean is not None:
        out["areas"] = _safe(
            charts.area_bars(
                area_labels(), _twos(nat.area_means), title=_("National mean per area"), decimal_comma=dc
            )
        )
    if overview.level_shares:
        out["levels"] = _safe(
            charts.level_shares(
                [_("Index")],
                [overview.level_shares],
                level_names=level_names(),
                title=_("Share per level"),
                decimal_comma=dc,
            )
        )
    if overview.provinces:
        provinces = overview.provinces
        out["provinces"] = _safe(
            charts.ranked_intervals(
                [f.label for f in provinces],
                _twos([f.mean for f in provinces]),  # type: ignore[arg-type]
                _twos([f.ci_low for f in provinces]),  # type: ignore[arg-type]
                _twos([f.ci_high for f in provinces]),  # type: ignore[arg-type]
                title=_("Index by province"),
                reference=two(nat.mean),
                reference_label=_("national"),
                decimal_comma=dc,
            )
        )
        out["province_areas"] = _safe(
            charts.heat_map(
                [f.label for f in provinces],
                [str(k) for k in range(1, 6)],
                [_twos(f.area_means) for f in provinces],
                title=_("Provinces by area"),
                decimal_comma=dc,
            )
        )
    return out


def ranking_chart(
    rows: Sequence[national.RegionRow], names: dict[str, str], reference: float | None
) -> SafeString:
    return _safe(
        charts.ranked_intervals(
            [f"{r.rank}. {names.get(r.code, r.name)}" for r in rows],
            [two(r.mean) or 0.0 for r in rows],
            [two(r.ci_low) or 0.0 for r in rows],
            [two(r.ci_high) or 0.0 for r in rows],
            title=_("Regions ranked, with 95-percent intervals"),
            reference=two(reference),
            reference_label=_("national"),
            decimal_comma=_dc(),
        )
    )


def profile_charts(latest: dict[str, Any], nat: national.Figure | None) -> dict[str, SafeString]:
    out: dict[str, SafeString] = {}
    if latest.get("suppressed") or latest.get("mean") is None:
        return out
    dc = _dc()
    out["areas"] = _safe(
        charts.area_bars(
            area_labels(),
            _twos(latest["area_means"]),
            reference=_twos(nat.area_means) if nat is not None and nat.area_means else None,
            reference_label=_("national"),
            title=_("Mean per area"),
            decimal_comma=dc,
        )
    )
    total = latest["figures"].get("total", {})
    groups = total.get("vectors", {}).get("level", [])
    if groups and len(groups) == 4 and total.get("n"):
        shares = [g["count"] / total["n"] for g in groups]
        out["levels"] = _safe(
            charts.level_shares(
                [_("Index")],
                [shares],
                level_names=level_names(),
                title=_("Share per level"),
                decimal_comma=dc,
            )
        )
    return out


def trend_chart(publications: Sequence[dict[str, Any]]) -> SafeString | None:
    points = [p for p in reversed(publications) if p.get("mean") is not None]
    if len(points) < 2:
        return None
    return _safe(
        charts.trend(
            [f"{p['period']}" for p in points],
            _twos([p["mean"] for p in points]),
            title=_("Index by round"),
            decimal_comma=_dc(),
        )
    )


def cell_tables(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """A publication's breakdowns for display, in each breakdown's own order: published cells with their
    values, hidden ones marked; empty groups left out (a zero says only that nobody is in it)."""
    out = []
    for dimension, (title, categories) in segments.DIMENSIONS.items():
        table = (figures.get("tables") or {}).get(dimension)
        if table is None:
            continue
        cells = table.get("cells") or {}
        rows = []
        for key, text in categories:
            cell = cells.get(key)
            if cell is None or cell.get("n") == 0:
                continue
            rows.append(
                {
                    "label": str(text),
                    "hidden": bool(cell.get("suppressed")),
                    "n": cell.get("n"),
                    "mean": (cell.get("means") or {}).get("index"),
                }
            )
        out.append({"title": str(title), "hidden": bool(table.get("suppressed")), "rows": rows})
    return out


def region_distribution(
    edges: Sequence[float], counts: Sequence[int], mine: float | None
) -> SafeString | None:
    """The regions' index histogram, its title saying where this region falls."""
    if not counts:
        return None
    dc = _dc()
    title = _("Regions by index")
    if mine is not None:
        shown = f"{two(mine):.2f}"
        title = _("Regions by index (yours: %(value)s)") % {"value": shown.replace(".", ",") if dc else shown}
    return _safe(charts.histogram(edges, counts, title=title, x_label=_("index (1–4)"), decimal_comma=dc))


CHART_ROWS = 60  # a ranked chart stays readable up to this many regions; the table always has them all

# How the ranking can be sorted (``urut``): the field, or None for the rank itself.
SORTS: dict[str, str | None] = {
    "rank": None,
    "name": "name",
    "participants": "participants",
    "province": "province_name",
}


def sorted_rows(rows: Sequence[national.RegionRow], sort: str) -> list[national.RegionRow]:
    field = SORTS.get(sort)
    ordered = sorted(rows, key=lambda r: getattr(r, field)) if field else list(rows)
    if sort == "participants":
        ordered.reverse()
    return ordered


ROW_START, ROW_END = "\x1e", "\x1f"  # separators of the rendered rows (never in escaped text)


def ranking_rows(filters: national.Filters) -> dict[str, str]:
    """Each region's ranking row after its rank cell, rendered once per generation, year and language
    for all the year's regions (one template run); any province, kind and order is then a join."""
    everything = national.Filters(filters.instrument, filters.period)
    lang = get_language() or "id"

    def build() -> dict[str, str]:
        context = {
            "rows": national.regions(everything),
            "filters": everything,
            "start": ROW_START,
            "end": ROW_END,
        }
        rendered = render_to_string("benchmark/_ranking_rows.html", context)
        out = {}
        for part in rendered.split(ROW_START)[1:]:
            code, html = part.split(ROW_END, 1)
            out[code] = html.rstrip("\n")
        return out

    return national.cached("ranking-rows", f"{everything.key()}|{lang}", build)


def ranking_table(filters: national.Filters, sort: str) -> SafeString:
    """The ranking's table, once per generation, filters, order and language, from the year's rendered
    rows (``ranking_rows``; the warm-up renders them after each change, so a viewer gets them ready)."""
    lang = get_language() or "id"

    def build() -> SafeString:
        rows = ranking_rows(filters)
        body = "".join(
            f'<tr>\n      <td class="num">{r.rank}</td>{rows[r.code]}'
            for r in sorted_rows(national.regions(filters), sort)
        )
        return _safe(render_to_string("benchmark/_ranking_table.html", {"body": _safe(body)}))

    return national.cached("ranking-table", f"{filters.key()}|{sort}|{lang}", build)


def overview_charts_of(overview: national.Overview) -> dict[str, SafeString]:
    """The overview's charts, drawn once per generation, filters and language (the warm-up draws them)."""
    key = f"{overview.filters.key()}|{get_language() or 'id'}"
    return national.cached("overview-charts", key, lambda: overview_charts(overview))


def ranking_chart_of(
    filters: national.Filters, rows: Sequence[national.RegionRow], reference: float | None
) -> SafeString:
    """The ranking's chart, drawn once per generation, filters and language."""
    key = f"{filters.key()}|{get_language() or 'id'}"
    return national.cached(
        "ranking-chart", key, lambda: ranking_chart(rows, {r.code: r.name for r in rows}, reference)
    )


def portal_body(overview: national.Overview, query: str) -> SafeString:
    """The overview page's figures, rendered once per generation, filters and language (the warm-up renders
    the linked ones after each change); the page around them is the viewer's own."""
    lang = get_language() or "id"

    def build() -> SafeString:
        context = {
            "overview": overview,
            "filters": overview.filters,
            "query": query,
            "charts": overview_charts_of(overview),
            "segment_tables": segment_tables(overview),
            "kind_rows": [(kind_label(f.key), f) for f in overview.kinds],
            "area_rows": list(zip(area_labels(), overview.national.area_means, strict=False)),
            "coverage_rule": coverage.rule(),
            "trend_limited": any(f.limited for f in overview.trend),
            "segments_limited": any(f.limited for figures in overview.segments.values() for f in figures),
        }
        return _safe(render_to_string("benchmark/_portal_body.html", context))

    return national.cached("portal-body", f"{overview.filters.key()}|{query}|{lang}", build)


def region_body(profile: national.Profile) -> SafeString:
    """A region's profile page, rendered once per generation and language (the warm-up renders every
    region's after each change: a publication moves every region's rank and percentiles); the page around
    it is the viewer's own."""
    return national.cached(REGION_BODY, region_body_key(profile), lambda: render_region_body(profile))


REGION_BODY = "region-body"


def region_body_key(profile: national.Profile) -> str:
    return f"{profile.code}|{get_language() or 'id'}"


def render_region_body(profile: national.Profile) -> SafeString:
    return _safe(render_to_string(*_region_page(profile)))


def _region_page(profile: national.Profile) -> tuple[str, dict[str, Any]]:
    latest = profile.publications[0] if profile.publications else None
    comparison = None
    nat: national.Figure | None = None
    query = ""
    if latest is not None and not latest["suppressed"]:
        filters = national.resolve(latest["scale"], latest["period"])
        rows = national.regions(filters)
        province_rows = [r for r in rows if r.province_code == profile.province_code]
        nat = national.weighted("all", "all", rows)
        query = exporting.query(filters)
        comparison = {
            "filters": filters,
            "national": nat,
            "province": national.weighted(profile.province_name, profile.province_code, province_rows),
            "percentile": national.percentile(rows, profile.code),
            "province_percentile": national.percentile(province_rows, profile.code),
            "rank": next((r.rank for r in rows if r.code == profile.code), None),
            "regions": len(rows),
        }
    context = {
        "query": query,
        "profile": profile,
        "kind": kind_label(profile.kind),
        "latest": latest,
        "comparison": comparison,
        "charts": profile_charts(latest, nat) if latest else {},
        "trend": trend_chart(profile.publications),
        "cells": cell_tables(latest["figures"]) if latest and not latest["suppressed"] else [],
        "simulated": any(p["simulated"] for p in profile.publications),
        "provisional": sum(
            1 for p in profile.publications if (p["parameters"] or {}).get("status") != "calibrated"
        ),
        "calibrated": bool(profile.publications),
        "coverage_rule": coverage.rule(),
    }
    return "benchmark/_region_body.html", context
