"""The employee's side: the privacy notice, their own data (to read and to download) and a correction
request.

Who is the employee: the participant signed in at /tes/ with NIP and access code (the taker session,
which a revoked code ends), or a user signed in by emailed code whose account is linked to a register
entry. Nobody else reaches these pages' data, and each shows only the signed-in employee's own.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from assessment.people.models import Employee
from assessment.privacy.forms import CorrectionForm
from assessment.privacy.models import CorrectionRequest
from assessment.privacy.services import corrections, own_data, policy
from assessment.rounds.taker_views import signed_in_participant
from audit import services as audit_trail
from frontend.downloads import attachment

JSON = "application/json; charset=utf-8"


def signed_in_employee(request: HttpRequest) -> Employee | None:
    taker = signed_in_participant(request)
    if taker is not None:
        return taker.employee
    if request.user.is_authenticated:
        return Employee.objects.filter(user=request.user, is_active=True).select_related("unit").first()
    return None


@access(public=True)
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The notice on its own page: readable before signing in (linked from /tes/)."""
    facts = policy.notice_facts(getattr(request, "region", None))
    return render(request, "privacy/notice.html", {"facts": facts})


@access(public=True)
def my_data(request: HttpRequest) -> HttpResponse:
    employee = signed_in_employee(request)
    if employee is None:
        return redirect("taker_login")
    data = own_data.collect(employee, getattr(request, "region", None))
    context = {
        "employee": employee,
        "data": data,
        "requests": CorrectionRequest.objects.filter(employee=employee).order_by("-created_at"),
        "facts": policy.notice_facts(getattr(request, "region", None)),
    }
    return render(request, "privacy/my_data.html", context)


@access(public=True)
def my_data_download(request: HttpRequest) -> HttpResponse:
    employee = signed_in_employee(request)
    if employee is None:
        return redirect("taker_login")
    content = own_data.as_json(own_data.collect(employee, getattr(request, "region", None)))
    audit_trail.personal_export(request, "own_data", "json", subject=employee)
    return attachment(content, f"data-saya-ikd-{employee.pk}.json", JSON)


@access(public=True)
@require_http_methods(["GET", "POST"])
def my_correction(request: HttpRequest) -> HttpResponse:
    employee = signed_in_employee(request)
    if employee is None:
        return redirect("taker_login")
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        corrections.request_correction(employee, **form.cleaned_data)
        messages.success(
            request, _("Your request was sent to your region's admins. They answer within 3 x 24 hours.")
        )
        return redirect("my_data")
    return render(request, "privacy/my_correction.html", {"form": form, "employee": employee})
