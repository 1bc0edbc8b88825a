"""Charts and tables for the results pages, built from aggregates (server-side SVG)."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessment.results.models import Aggregate
from assessment.results.services.aggregates import HISTOGRAM_EDGES
from assessment.results.services.reading import Framework, RoundFigures
from frontend import charts


def _safe(svg: str) -> SafeString:
    return mark_safe(svg)  # noqa: S308  # frontend.charts escapes every label it draws


def _area_labels(fw: Framework) -> list[str]:
    return [f"{code}. {name}" for code, name in fw.areas]


def _levels(fw: Framework) -> list[str]:
    return [f"{n} {fw.levels.get(n, '')}".strip() for n in (1, 2, 3, 4)]


def round_charts(figures: RoundFigures, fw: Framework) -> dict[str, SafeString]:
    out: dict[str, SafeString] = {}
    region = figures.region
    if region is not None and region.n:
        out["areas"] = _safe(
            charts.area_bars(_area_labels(fw), region.area_means, title=_("Mean score per area"))
        )
        out["histogram"] = _safe(
            charts.histogram(
                HISTOGRAM_EDGES,
                region.histogram,
                title=_("Distribution of the index"),
                x_label=_("index (1–4)"),
            )
        )
        out["levels"] = _safe(
            charts.level_shares(
                [_("Index"), *_area_labels(fw)],
                [region.level_shares, *region.area_level_shares],
                level_names=_levels(fw),
                title=_("Share of employees per level"),
            )
        )
    units = [u for u in figures.units if u.n]
    if units:
        out["heat"] = _safe(
            charts.heat_map(
                [u.label for u in units],
                [code for code, _name in fw.areas],
                [u.area_means for u in units],
                title=_("Work units by area"),
                flagged_rows=[k for k, u in enumerate(units) if u.small],
            )
        )
    if figures.ranked:
        out["ranked"] = _safe(
            charts.ranked_intervals(
                [u.label for u in figures.ranked],
                [u.mean or 0 for u in figures.ranked],
                [u.ci_low or u.mean or 0 for u in figures.ranked],
                [u.ci_high or u.mean or 0 for u in figures.ranked],
                title=_("Work units of 30 or more, with intervals at 95%"),
                reference=region.mean if region else None,
                reference_label=_("region"),
            )
        )
    segments = {}
    for label, group in figures.segments:
        shown = [g for g in group if g.mean is not None]
        if shown:
            segments[label] = _safe(
                charts.ranked_intervals(
                    [f"{g.label} (n={g.n})" for g in shown],
                    [g.mean or 0 for g in shown],
                    [g.ci_low or g.mean or 0 for g in shown],
                    [g.ci_high or g.mean or 0 for g in shown],
                    title=label,
                    reference=region.mean if region else None,
                    reference_label=_("region"),
                )
            )
    out.update({f"segment:{k}": v for k, v in segments.items()})
    return out


def segment_charts(charts_: dict[str, SafeString]) -> list[tuple[str, SafeString]]:
    return [(k.split(":", 1)[1], v) for k, v in charts_.items() if k.startswith("segment:")]


def unit_charts(row: Aggregate, region: Aggregate | None, fw: Framework) -> dict[str, SafeString]:
    return {
        "areas": _safe(
            charts.area_bars(
                _area_labels(fw),
                row.area_means,
                reference=region.area_means if region else None,
                reference_label=_("region"),
                title=_("Mean score per area"),
            )
        ),
        "levels": _safe(
            charts.level_shares(
                [_("Index"), *_area_labels(fw)],
                [row.level_shares, *row.area_level_shares],
                level_names=_levels(fw),
                title=_("Share of employees per level"),
            )
        ),
    }


def competence_table(row: Aggregate, region: Aggregate | None, fw: Framework) -> list[dict[str, Any]]:
    out = []
    for code, value in row.competence_means.items():
        _area, name, _description = fw.competences.get(code, ("", code, ""))
        reference = (region.competence_means or {}).get(code) if region else None
        out.append(
            {
                "code": code,
                "name": name,
                "mean": value,
                "region": reference,
                "diff": None if reference is None else value - reference,
            }
        )
    out.sort(key=lambda r: r["mean"])
    return out


def person_charts(
    areas: list[dict[str, Any]], region: Aggregate | None, *, about_someone: bool = False
) -> SafeString:
    return _safe(
        charts.area_bars(
            [f"{a['area']}. {a['name']}" for a in areas],
            [a["score"] for a in areas],
            low=[a["low"] for a in areas],
            high=[a["high"] for a in areas],
            reference=region.area_means if region else None,
            reference_label=_("region average"),
            title=_("Score per area") if about_someone else _("Your score per area"),
        )
    )
