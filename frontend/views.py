"""Pages that bring the apps together: the public home, the region dashboard, terms and health."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import access
from accounts.roles import Role
from frontend import checklist
from tenants.models import Region
from tenants.schemas import current_schema


@access(public=True)
def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "role", None) == Role.PLATFORM_OPERATOR:
        return redirect("operator_regions")
    regions_count = Region.objects.exclude(status=Region.Status.CLOSED).count()
    return render(request, "frontend/home.html", {"regions_count": regions_count})


@access(public=True)
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/terms.html")


@access(login=True)
def region_dashboard(request: HttpRequest) -> HttpResponse:
    region = request.region  # type: ignore[attr-defined]
    is_admin = request.user.role == Role.REGION_ADMIN  # type: ignore[union-attr]
    is_staff = is_admin or request.user.role == Role.UNIT_COORDINATOR  # type: ignore[union-attr]
    user_model: Any = get_user_model()
    counts = dict(user_model.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")))
    # Accounts, by who holds them; employees in the register are counted by the checklist (they get an
    # account only when a round is scheduled, so the two numbers differ and each says what it counts).
    account_labels = {
        Role.REGION_ADMIN: _("admin accounts"),
        Role.UNIT_COORDINATOR: _("coordinator accounts"),
        Role.EMPLOYEE: _("employee accounts (made when a round is scheduled)"),
    }
    context = {
        "region": region,
        "accounts": [(label, counts.get(role, 0)) for role, label in account_labels.items()],
        "status_explanation": checklist.explain_region_status(region),
        "is_admin": is_admin,
        "checklist": checklist.build() if is_staff else None,
    }
    return render(request, "frontend/dashboard.html", context)


@access(public=True)
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness, for process supervisors and the demo launcher: this process answers requests.

    It calls no dependency on purpose: a liveness probe that failed while PostgreSQL is down would have
    every pod restarted at once, which cures nothing. Whether PostgreSQL and Redis answer is readiness,
    ``/readyz`` (config.observability.probes), which takes the pod out of the load balancer instead.
    """
    return JsonResponse({"status": "ok", "schema": current_schema()})
