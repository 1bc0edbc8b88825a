"""The operator's plan catalogue: the offers and their volume tiers are data, changed here, not in code.

Saving goes through billing.services.catalogue.save_plan (its checks: a first tier at 1 employee, whole
hundreds of rupiah; it keeps the audit trail); invoices already issued keep their prices. The trial is a
plan too but its limits are the seat check's, so only paid plans are edited here.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from billing.forms import PlanForm, tiers_text
from billing.models import Plan
from billing.services import catalogue
from billing.services.errors import BillingError

OPERATOR = [Role.PLATFORM_OPERATOR]


@access(roles=OPERATOR)
def operator_plans(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.prefetch_related("tiers").order_by("sort_order", "code")
    return render(request, "billing/operator/plans.html", {"plans": plans})


@access(roles=OPERATOR)
@require_http_methods(["GET", "POST"])
def operator_plan(request: HttpRequest, code: str | None = None) -> HttpResponse:
    plan = None
    initial: dict[str, object] = {"is_public": True, "is_active": True}
    if code is not None:
        plan = Plan.objects.prefetch_related("tiers").filter(code=code).first()
        if plan is None or plan.is_trial:
            raise Http404(_("No such paid plan."))
        initial = {
            "code": plan.code,
            "name": plan.name,
            "description": plan.description,
            "tiers": tiers_text([(tier.min_seats, tier.unit_price) for tier in plan.tiers.all()]),
            "is_public": plan.is_public,
            "is_active": plan.is_active,
        }
    form = PlanForm(request.POST or None, initial=initial, editing=plan is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if plan is None and Plan.objects.filter(code=data["code"]).exists():
            form.add_error("code", _("Another plan has this code."))
        else:
            try:
                saved = catalogue.save_plan(
                    data["code"],
                    name=data["name"],
                    description=data["description"],
                    tiers=data["tiers"],
                    is_public=data["is_public"],
                    is_active=data["is_active"],
                    actor=str(request.user.get_username()),
                )
            except BillingError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Plan %(name)s is saved.") % {"name": saved.name})
                return redirect("operator_plans")
    return render(request, "billing/operator/plan.html", {"form": form, "plan": plan})
