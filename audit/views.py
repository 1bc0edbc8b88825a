"""The trail's pages: a region's admins read their region's, platform operators the platform's.

One page and one export, for both sites: the schema decides whose events they are (the request's region
or ``public``), and ``services.own_trail`` checks that the table read is the schema's own. Downloading
the trail is itself recorded (it names staff members).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access
from accounts.roles import Role
from audit import services
from audit.forms import TrailFilterForm
from audit.models import Event
from frontend.downloads import CSV, XLSX, attachment
from frontend.tabular import write_csv, write_xlsx

PAGE_SIZE = 50
# An export is built in memory; a longer trail is exported a period at a time.
EXPORT_LIMIT = 50_000
FORMATS = {"csv": CSV, "xlsx": XLSX}


def _site(request: HttpRequest) -> tuple[tuple[str, ...], str, str]:
    """(categories, name of the page's URL, name of the export's URL) of the request's site."""
    if getattr(request, "region", None) is not None:
        return services.REGION_CATEGORIES, "audit_trail", "audit_export"
    return services.PLATFORM_CATEGORIES, "operator_audit", "operator_audit_export"


def _checked_events(request: HttpRequest) -> tuple[TrailFilterForm, services.Filters, QuerySet[Event]]:
    if not services.own_trail():
        raise Http404(_("This site's audit trail is not ready yet."))
    categories = _site(request)[0]
    form = TrailFilterForm(request.GET or None, categories=categories)
    filters = form.filters()
    return form, filters, services.events(filters)


def _employee_link(event: Event) -> str:
    if event.subject_type != "employee" or not event.subject_id.isdigit():
        return ""
    try:
        return reverse("employee_edit", kwargs={"pk": int(event.subject_id)})
    except NoReverseMatch:  # the public site has no employees
        return ""


def _trail(request: HttpRequest) -> HttpResponse:
    form, filters, qs = _checked_events(request)
    _categories, page_url, export_url = _site(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": event,
            "kind": services.kind_label(event.kind),
            "subject": services.subject_text(event),
            "subject_link": _employee_link(event),
            "details": services.detail_items(event.details),
        }
        for event in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "export_url": export_url,
        "page_url": page_url,
        "is_platform": getattr(request, "region", None) is None,
        "filtered": bool(filters.as_details()),
    }
    return render(request, "audit/trail.html", context)


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(_("Downloads come as CSV or XLSX."))
    _form, filters, qs = _checked_events(request)
    events = list(qs[: EXPORT_LIMIT + 1])
    if len(events) > EXPORT_LIMIT:
        messages.error(
            request,
            _("More than %(limit)s events match: choose a shorter period and download again.")
            % {"limit": f"{EXPORT_LIMIT:,}".replace(",", ".")},
        )
        page_url = _site(request)[1]
        return redirect(f"{reverse(page_url)}?{request.GET.urlencode()}")
    headers = [str(header) for header in services.EXPORT_HEADERS]
    rows = services.export_rows(events)
    if fmt == "csv":
        content = write_csv(headers, rows)
    else:
        content = write_xlsx(headers, rows, sheet_title=_("Audit trail"))
    services.personal_export(request, "audit_trail", fmt, rows=len(events), filters=filters.as_details())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return attachment(content, f"jejak-audit-{stamp}.{fmt}", FORMATS[fmt])


# The region's site: its admins only (coordinators and employees get the 403 page).
@access(roles=[Role.REGION_ADMIN])
def region_trail(request: HttpRequest) -> HttpResponse:
    return _trail(request)


@access(roles=[Role.REGION_ADMIN])
def region_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)


# The platform's site: operators only (national viewers never see who did what).
@access(roles=[Role.PLATFORM_OPERATOR])
def operator_trail(request: HttpRequest) -> HttpResponse:
    return _trail(request)


@access(roles=[Role.PLATFORM_OPERATOR])
def operator_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, fmt)
