"""The talent view (``/talenta/``), its export and the shortlist for a role. Region admins only: the
page lists named people with their results, which a unit coordinator does not see (they follow
participation). Every page view, shortlist and export is audited with the filters used."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import access
from accounts.roles import Role
from assessment.results.services import reading
from assessment.talent.forms import ShortlistForm, TalentFilterForm
from assessment.talent.services import exports, register, shortlist
from audit import services as audit_trail
from frontend.downloads import CSV, XLSX, attachment

ADMIN = [Role.REGION_ADMIN]


def _framework() -> reading.Framework | None:
    """The newest scored round's framework: its level names and areas label the filters and the form."""
    return register.Frameworks().newest()


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() else 1


@access(roles=ADMIN)
def talent(request: HttpRequest) -> HttpResponse:
    frameworks = register.Frameworks()  # shared with the page: the newest framework is read once
    fw = frameworks.newest()
    levels = fw.levels if fw else {}
    form = TalentFilterForm(request.GET or None, levels=levels)
    filters = form.filters() if form.is_bound else register.TalentFilters()
    page = register.talent_page(filters, _page_number(request), frameworks=frameworks)
    audit_trail.record("talent.viewed", filters=filters.as_audit(), page=page.page, employees=page.total)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "levels": levels,
        "areas": fw.areas if fw else [],
        "query": query.urlencode(),
        "filtered": bool(filters.as_audit().keys() - {"sort"}),
    }
    return render(request, "talent/list.html", context)


@access(roles=ADMIN)
def talent_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    form = TalentFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else register.TalentFilters()
    content = exports.talent_table(filters, fmt, on=timezone.localdate())
    audit_trail.personal_export(request, "talent_list", fmt, filters=filters.as_audit())
    return attachment(content, f"talenta-ikd.{fmt}", XLSX if fmt == "xlsx" else CSV)


@access(roles=ADMIN)
def talent_shortlist(request: HttpRequest) -> HttpResponse:
    fw = _framework()
    areas, levels = (fw.areas, fw.levels) if fw else ([], {})
    form = ShortlistForm(
        request.GET or None, areas=areas, levels=levels, initial={"min_level": "3", "wanted": 5}
    )
    result = None
    if form.is_bound and form.is_valid():
        req = form.request()
        result = shortlist.shortlist(req)
        audit_trail.record(
            "talent.shortlisted",
            filters=req.as_audit(),
            eligible=result.eligible,
            employees=[e.employee_id for e in result.chosen],
        )
    return render(
        request,
        "talent/shortlist.html",
        {"form": form, "result": result, "levels": levels, "has_results": bool(areas)},
    )
