"""Pages of a region's site for training records: import, the JP overview, the BKPSDM export.

Region admins only: training records are per-employee data, and the overview compares the plans of
measured people (the person result pages are admin-only too).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.training.forms import TrainingImportForm
from assessment.training.models import TrainingBatch
from assessment.training.services import exports, importing, overview
from assessment.training.services.hours import REQUIRED_JP_PER_YEAR
from audit import services as audit_trail
from frontend.downloads import CSV, XLSX, attachment

ADMIN = [Role.REGION_ADMIN]
EARLIEST_YEAR = 2000


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    raw = request.GET.get("tahun", "")
    return int(raw) if raw.isdigit() and EARLIEST_YEAR <= int(raw) <= this_year + 1 else this_year


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def training_import(request: HttpRequest) -> HttpResponse:
    form = TrainingImportForm(request.POST or None, request.FILES or None)
    problems: tuple[object, ...] = ()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": importing.MAX_BYTES // 2**20}
            )
        else:
            try:
                done = importing.import_file(upload.read(), upload.name, user=request.user)
            except importing.ImportFailed as exc:
                problems = exc.problems
            else:
                messages.success(
                    request,
                    _("%(added)d training records added, %(skipped)d already recorded.")
                    % {"added": done.saved.batch.added, "skipped": done.saved.skipped},
                )
                return redirect("training_import")
    context = {"form": form, "problems": problems, "recent": TrainingBatch.objects.all()[:10]}
    return render(request, "training/import.html", context, status=400 if problems else 200)


@access(roles=ADMIN)
def training_template(request: HttpRequest) -> HttpResponse:
    return attachment(importing.template(), "templat-impor-pelatihan.xlsx", XLSX)


@access(roles=ADMIN)
def training_overview(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    units, total = overview.completion_by_unit(year)
    this_year = timezone.localdate().year
    context = {
        "year": year,
        "years": range(this_year, max(EARLIEST_YEAR, this_year - 5) - 1, -1),
        "units": units,
        "total": total,
        "plan": overview.plan_progress(year),
        "required": REQUIRED_JP_PER_YEAR,
    }
    return render(request, "training/overview.html", context)


@access(roles=ADMIN)
def training_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404
    year = _year(request)
    part = "unit" if request.GET.get("isi") == "unit" else "pegawai"
    content = exports.export(year, fmt, part)
    audit_trail.personal_export(request, "training_records", fmt, year=year, part=part)
    name = f"pelatihan-{'rekap-unit' if part == 'unit' else 'pegawai'}-{year}.{fmt}"
    return attachment(content, name, CSV if fmt == "csv" else XLSX)
