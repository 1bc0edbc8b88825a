"""Screens of a region's site for work units, the employee register and its import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import Role
from assessment.people.forms import EmployeeForm, ImportForm, UnitForm
from assessment.people.models import STATUS_NAMES, Employee, ImportJob, WorkUnit
from assessment.people.services import coordinators, importing, units
from assessment.people.services import employees as register
from assessment.people.tasks import CHECK_LOST_AFTER, check_import, commit_import, progress_key
from assessment.results import person_report
from audit import services as audit_trail
from frontend.downloads import CSV, XLSX, attachment

ADMIN = [Role.REGION_ADMIN]
STAFF = [Role.REGION_ADMIN, Role.UNIT_COORDINATOR]


def _visible_units(request: HttpRequest) -> Any:
    """Admins see every unit (None); coordinators the units they coordinate (with their sub-units)."""
    scope = units.scope_for(request.user)
    return None if scope is None else WorkUnit.objects.filter(pk__in=scope)


@access(roles=STAFF)
@require_http_methods(["GET", "POST"])
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST":
        if request.user.role != Role.REGION_ADMIN:  # type: ignore[union-attr]
            return render(
                request,
                "frontend/error.html",
                {"title": _("Access denied"), "message": _("Only region admins change work units.")},
                status=403,
            )
        if form.is_valid():
            try:
                unit = units.create_unit(**form.cleaned_data)
            except units.UnitError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, _("%(unit)s was added.") % {"unit": unit})
                return redirect("unit_list")
    show_retired = request.GET.get("retired") == "1"
    qs = WorkUnit.objects.annotate(active_employees=Count("employees", filter=Q(employees__is_active=True)))
    if not show_retired:
        qs = qs.filter(retired_at__isnull=True)
    visible = _visible_units(request)
    if visible is not None:
        qs = qs.filter(pk__in=visible)
    coordinated_by = Prefetch("coordinators", queryset=get_user_model().objects.order_by("full_name"))
    tree = _as_tree(list(qs.select_related("parent").prefetch_related(coordinated_by).order_by("name")))
    return render(request, "people/units.html", {"tree": tree, "form": form, "show_retired": show_retired})


def _as_tree(unit_list: list[WorkUnit]) -> list[tuple[WorkUnit, int]]:
    """Units in tree order with their depth, for an indented list."""
    by_parent: dict[int | None, list[WorkUnit]] = {}
    present = {unit.pk for unit in unit_list}
    for unit in unit_list:
        parent = unit.parent_id if unit.parent_id in present else None
        by_parent.setdefault(parent, []).append(unit)
    ordered: list[tuple[WorkUnit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in by_parent.get(parent, []):
            ordered.append((unit, depth))
            walk(unit.pk, depth + 1)

    walk(None, 0)
    return ordered


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(WorkUnit, pk=pk)
    initial = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent}
    form = UnitForm(request.POST or None, initial=initial)
    form.fields["parent"].queryset = form.fields["parent"].queryset.exclude(pk=unit.pk)  # type: ignore[attr-defined]
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in {"add_coordinator", "remove_coordinator"}:
                return _change_coordinator(request, unit, action)
            if action == "retire":
                units.retire_unit(unit)
                messages.success(request, _("%(unit)s was retired; its history is kept.") % {"unit": unit})
                return redirect("unit_list")
            if action == "reinstate":
                units.reinstate_unit(unit)
                messages.success(request, _("%(unit)s is active again.") % {"unit": unit})
                return redirect("unit_edit", pk=unit.pk)
            if form.is_valid():
                units.update_unit(unit, **form.cleaned_data)
                messages.success(request, _("%(unit)s was saved.") % {"unit": unit})
                return redirect("unit_list")
        except units.UnitError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    context = {
        "unit": unit,
        "form": form,
        "employees": unit.employees.filter(is_active=True).count(),
        "results": person_report.unit_results(unit.pk),  # links to each employee's report
        "coordinators": unit.coordinators.order_by("full_name"),
        "candidates": get_user_model()
        .objects.filter(role=Role.UNIT_COORDINATOR, is_active=True)
        .exclude(coordinated_units=unit)
        .order_by("full_name"),
    }
    return render(request, "people/unit_edit.html", context)


def _change_coordinator(request: HttpRequest, unit: WorkUnit, action: str) -> HttpResponse:
    """Give the unit to a coordinator, or take it from one (the users page does the same per user)."""
    user_id = request.POST.get("user", "")
    user = get_user_model().objects.filter(pk=int(user_id)).first() if user_id.isdigit() else None
    if user is None:
        messages.error(request, _("Choose a coordinator."))
    elif action == "remove_coordinator":
        coordinators.remove_coordinator(unit, user)
        messages.success(
            request, _("%(name)s no longer coordinates %(unit)s.") % {"name": user, "unit": unit}
        )
    else:
        try:
            coordinators.add_coordinator(unit, user)
        except coordinators.CoordinatorError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(name)s now coordinates %(unit)s.") % {"name": user, "unit": unit})
    return redirect("unit_edit", pk=unit.pk)


@access(roles=STAFF)
def employee_list(request: HttpRequest) -> HttpResponse:
    unit_id = request.GET.get("unit", "")
    unit = WorkUnit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    active = request.GET.get("active", "active")
    visible = _visible_units(request)
    if unit is not None and visible is not None and not visible.filter(pk=unit.pk).exists():
        raise Http404  # another unit's people: as if it did not exist
    qs = register.search(query, unit, status, active, units=visible)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "unit": unit,
        "status": status,
        "active": active,
        "units": (visible if visible is not None else WorkUnit.objects.all()).order_by("name"),
        "total": Employee.objects.filter(is_active=True).count() if visible is None else qs.count(),
        "is_admin": visible is None,
        "statuses": list(STATUS_NAMES.items()),
        "querystring": request.GET.urlencode(),
    }
    return render(request, "people/employees.html", context)


def _employee_initial(employee: Employee) -> dict[str, Any]:
    return {name: getattr(employee, name) for name in EmployeeForm.base_fields}


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def employee_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    employee = get_object_or_404(Employee, pk=pk) if pk else None
    form = EmployeeForm(request.POST or None, initial=_employee_initial(employee) if employee else {})
    if employee is not None:
        form.fields["nip"].disabled = True
        form.fields["unit"].queryset = WorkUnit.objects.filter(  # type: ignore[attr-defined]
            Q(retired_at__isnull=True) | Q(pk=employee.unit_id)
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data.update(register.clean(data))
            saved = register.save_employee(employee, register.EmployeeData(**data))
        except register.EmployeeError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.full_name})
            return redirect("employee_list")
    return render(request, "people/employee_edit.html", {"form": form, "employee": employee})


@access(roles=STAFF)
def employee_export(request: HttpRequest, kind: str) -> HttpResponse:
    qs = register.search("", None, "", "all", units=_visible_units(request))
    content = register.export(qs, "csv" if kind == "csv" else "xlsx")
    audit_trail.personal_export(request, "employee_register", "csv" if kind == "csv" else "xlsx")
    if kind == "csv":
        return attachment(content, "pegawai.csv", CSV)
    return attachment(content, "pegawai.xlsx", XLSX)


@access(roles=ADMIN)
def import_template(request: HttpRequest) -> HttpResponse:
    return attachment(register.import_template(), "templat-impor-pegawai.xlsx", XLSX)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Store the upload and queue its check: an untrusted file is never read in a web request."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": importing.MAX_BYTES // 2**20}
            )
        elif importing.checking_elsewhere(lost_after=CHECK_LOST_AFTER):
            form.add_error(
                None,
                _("Another file is still being checked. Wait until its check is done, then upload again."),
            )
        else:
            job = ImportJob.objects.create(
                filename=upload.name,
                content=upload.read(),
                state=ImportJob.State.CHECKING,
                created_by_id=request.user.pk,
                **{key: form.cleaned_data[key] for key in ("create_units", "deactivate_missing")},
            )
            check_import.delay(str(job.pk))
            return redirect("import_detail", pk=job.pk)
    recent = ImportJob.objects.defer("content")[:10]
    return render(request, "people/import_upload.html", {"form": form, "recent": recent})


@access(roles=ADMIN)
def import_detail(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    importing.fail_if_lost(job, lost_after=CHECK_LOST_AFTER)
    notes = job.notes or {}
    context = {
        "job": job,
        "errors": job.errors[: importing.MAX_ERRORS],
        "errors_cut": len(job.errors) >= importing.MAX_ERRORS,
        # The template's names of the columns the file lacks (their stored values stay), and the
        # file's headers that matched no column: an admin who meant one of them can rename it.
        "kept_columns": [
            importing.COLUMNS[name][0] for name in notes.get("kept", []) if name in importing.COLUMNS
        ],
        "ignored_headers": notes.get("ignored", []),
        "skipped_rows": ", ".join(str(row) for row in notes.get("skipped", [])),
    }
    return render(request, "people/import_detail.html", context)


@access(roles=ADMIN)
@require_POST
def import_commit(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    # Checked and queued in one statement: of two presses at once, only one queues the save.
    queued = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.QUEUED
    )
    if not queued:
        if job.state != ImportJob.State.CHECKED:
            messages.error(request, _("Only a checked file without errors can be imported."))
        return redirect("import_detail", pk=job.pk)
    commit_import.delay(str(job.pk))
    return redirect("import_detail", pk=job.pk)


@access(roles=ADMIN)
@require_POST
def import_recheck(request: HttpRequest, pk: str) -> HttpResponse:
    """Compare a checked file's rows with the register again, after the register changed (no upload)."""
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    if job.state != ImportJob.State.STALE:
        return redirect("import_detail", pk=job.pk)
    if importing.checking_elsewhere(lost_after=CHECK_LOST_AFTER):
        messages.error(
            request, _("Another file is still being checked. Wait until its check is done, then try again.")
        )
        return redirect("import_detail", pk=job.pk)
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.STALE).update(
        state=ImportJob.State.CHECKING, check_started_at=timezone.now()
    )
    check_import.delay(str(job.pk))
    return redirect("import_detail", pk=job.pk)


@access(roles=ADMIN)
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    importing.fail_if_lost(job, lost_after=CHECK_LOST_AFTER)
    done, total = cache.get(progress_key(str(job.pk))) or (job.progress, job.total)
    if job.state == ImportJob.State.DONE:
        done = total = max(job.total, 1)
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "done": done,
            "total": total,
            "summary": job.summary,
            "failure": job.failure,
        }
    )
