"""The national portal on the public site: for national viewers (and the platform operator)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import access
from accounts.roles import Role
from benchmark import coverage, presentation
from benchmark.services import exporting, national
from frontend.downloads import attachment

PORTAL_ROLES = [Role.NATIONAL_VIEWER, Role.PLATFORM_OPERATOR]
SORTS = presentation.SORTS
CHART_ROWS = presentation.CHART_ROWS


def filters_of(request: HttpRequest) -> national.Filters:
    q = request.GET
    return national.resolve(q.get("versi", ""), q.get("tahun"), q.get("provinsi", ""), q.get("jenis", ""))


def _filter_context(filters: national.Filters) -> dict[str, Any]:
    return {
        "filters": filters,
        "instruments": national.instruments(),
        "periods": national.periods(filters.instrument) if filters.instrument else [],
        "provinces": presentation.provinces(),
        "kinds": presentation.KINDS,
        "query": exporting.query(filters),
    }


@access(roles=PORTAL_ROLES)
def portal(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    overview = national.overview(filters)
    context = {
        **_filter_context(filters),
        "overview": overview,
        "body": presentation.portal_body(overview, exporting.query(filters)),
    }
    return render(request, "benchmark/portal.html", context)


@access(roles=PORTAL_ROLES)
def ranking(request: HttpRequest) -> HttpResponse:
    filters = filters_of(request)
    rows = national.regions(filters)
    sort = request.GET.get("urut", "rank")
    sort = sort if sort in SORTS else "rank"
    nat = national.weighted("all", "all", rows)
    chart = presentation.ranking_chart_of(filters, rows, nat.mean) if 0 < len(rows) <= CHART_ROWS else None
    context = {
        **_filter_context(filters),
        "rows": rows,
        "table": presentation.ranking_table(filters, sort) if rows else "",
        "national": nat,
        "sort": sort,
        "chart": chart,
        "chart_rows": CHART_ROWS,
        "simulated": any(r.simulated for r in rows),
        "provisional": sum(1 for r in rows if r.provisional),
        "calibrated": bool(rows),
        "coverage_rule": coverage.rule(),
    }
    return render(request, "benchmark/ranking.html", context)


@access(roles=PORTAL_ROLES)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exporting.FORMATS:
        raise Http404(_("Downloads come as CSV or XLSX."))
    filters = filters_of(request)
    content, content_type, name = exporting.cached_file(filters, fmt)
    return attachment(content, name, content_type)


@access(roles=PORTAL_ROLES)
def region_profile(request: HttpRequest, code: str) -> HttpResponse:
    profile = national.profile(code)
    if profile is None:
        raise Http404(_("No such region."))
    context = {"profile": profile, "body": presentation.region_body(profile)}
    return render(request, "benchmark/region.html", context)
