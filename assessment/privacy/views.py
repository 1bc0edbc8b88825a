"""The region admin's privacy pages: the settings the notice states, the employees' correction requests,
and the erasure of an employee. Region admins only (a coordinator sees their units' people but does not
decide on anyone's data). The work is in ``services``; these views validate and show."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.people.forms import EmployeeForm
from assessment.people.models import Employee, WorkUnit
from assessment.people.services import employees as register
from assessment.privacy.forms import CalibrationConsentForm, ErasureForm, PrivacySettingsForm, RejectForm
from assessment.privacy.models import CorrectionRequest
from assessment.privacy.services import calibration_consent, corrections, erasure, policy

ADMIN = [Role.REGION_ADMIN]


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def privacy_settings(request: HttpRequest) -> HttpResponse:
    current = policy.current()
    region = getattr(request, "region", None)
    initial = {f: getattr(current, f) for f in ("responses_months", "results_years", "other_uses", "contact")}
    consent_post = request.method == "POST" and request.POST.get("action") == "calibration"
    form = PrivacySettingsForm(
        request.POST if request.method == "POST" and not consent_post else None, initial=initial
    )
    consent = CalibrationConsentForm(
        request.POST if consent_post else None,
        initial={"contributes": bool(region and region.contributes_to_calibration)},
    )
    if consent_post and region is not None and consent.is_valid():
        contributes = consent.cleaned_data["contributes"]
        if calibration_consent.set_consent(region, contributes, request.user):
            messages.success(
                request,
                _("Your region now contributes to the national calibration.")
                if contributes
                else _("Your region no longer contributes to the national calibration."),
            )
        return redirect("privacy_settings")
    if request.method == "POST" and not consent_post and form.is_valid():
        policy.save(**form.cleaned_data, actor=request.user)
        messages.success(request, _("Privacy settings saved."))
        return redirect("privacy_settings")
    facts = policy.notice_facts(region)
    context = {
        "form": form,
        "facts": facts,
        "consent": consent,
        "consent_text": calibration_consent.WHAT_LEAVES,
        "region": region,
    }
    return render(request, "privacy/settings.html", context)


@access(roles=ADMIN)
def correction_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    waiting = [
        {"request": r, "due": corrections.due_at(r), "overdue": corrections.is_overdue(r, now)}
        for r in corrections.open_requests()
    ]
    answered = CorrectionRequest.objects.exclude(state=CorrectionRequest.State.OPEN).select_related(
        "employee", "resolved_by"
    )
    context = {"waiting": waiting, "answered": answered.order_by("-resolved_at")[:20]}
    return render(request, "privacy/corrections.html", context)


def _register_initial(employee: Employee) -> dict[str, Any]:
    return {name: getattr(employee, name) for name in EmployeeForm.base_fields}


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def correction_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """One employee's open requests beside their register form: correct (through the register's edit
    service) or refuse with a reason; either closes the requests."""
    employee = get_object_or_404(Employee.objects.select_related("unit"), pk=pk)
    requests = list(corrections.open_of(employee))
    if not requests:
        messages.info(request, _("This employee has no open correction request."))
        return redirect("correction_list")
    action = request.POST.get("action", "")
    data = request.POST if action == "resolve" else None
    form = EmployeeForm(data, initial=corrections.suggested_initial(employee, _register_initial(employee)))
    form.fields["nip"].disabled = True  # as on the employee page: the NIP identifies the person
    form.fields["unit"].queryset = WorkUnit.objects.filter(  # type: ignore[attr-defined]
        Q(retired_at__isnull=True) | Q(pk=employee.unit_id)
    )
    reject_form = RejectForm(request.POST if action == "reject" else None)
    if action == "resolve" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            values.update(register.clean(values))
            corrections.resolve(employee, register.EmployeeData(**values), actor=request.user)
        except register.EmployeeError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The register was corrected and the request closed."))
            return redirect("correction_list")
    if action == "reject" and reject_form.is_valid():
        corrections.reject(employee, actor=request.user, response=reject_form.cleaned_data["response"])
        messages.success(request, _("The request was closed without a change."))
        return redirect("correction_list")
    context = {
        "employee": employee,
        "requests": [{"request": r, "due": corrections.due_at(r)} for r in requests],
        "form": form,
        "reject_form": reject_form,
    }
    return render(request, "privacy/correction_resolve.html", context)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def employee_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then erase: the admin types the NIP and chooses a reason."""
    employee = get_object_or_404(Employee.objects.select_related("unit"), pk=pk)
    if erasure.is_erased(employee):
        messages.info(request, _("This employee's data was already erased."))
        return redirect("employee_list")
    form = ErasureForm(request.POST or None, nip=employee.nip)
    blockers = erasure.blockers(employee)
    if request.method == "POST" and form.is_valid() and not blockers:
        try:
            result = erasure.erase(employee, actor=request.user, reason=form.cleaned_data["reason"])
        except erasure.ErasureRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "The employee's identity was erased. %(scores)s results stay in the figures under a "
                    "pseudonym; nothing can bring the name back."
                )
                % {"scores": result.scores_kept},
            )
            return redirect("employee_list")
    context = {"employee": employee, "form": form, "blockers": blockers}
    return render(request, "privacy/erase.html", context)
