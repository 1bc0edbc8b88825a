"""Public-site views of the tenants app: signup, the official region list, the operator console.

Signup is rate-limited per client and overall (config.ratelimit) before it provisions anything; a refusal
answers 429 with the wait. The operator console holds the queue of claims waiting for approval, and each
region's page carries the decision (tenants.services.approval).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import access
from accounts.roles import Role
from accounts.services import issue_login_token
from api.schema import KnownParameters
from config import ratelimit, sites
from tenants import wilayah
from tenants.forms import RejectForm, SignupForm, StatusChangeForm
from tenants.models import AuditEvent, Region
from tenants.services import approval, catalogue, status
from tenants.services.signup import SignupError, register_region


def region_url(request: HttpRequest, slug: str, path: str = "/") -> str:
    """The same scheme and port as this request, on the region's host."""
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    host = f"{slug}.{settings.BASE_DOMAIN}" + ("" if port == default else f":{port}")
    return f"{request.scheme}://{host}{path}"


@access(public=True)
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Counted once the form is valid, i.e. for each attempt to claim a region (a schema each).
        refusal = ratelimit.check(
            request,
            "signup",
            ratelimit.Rate(*settings.SIGNUP_RATE_PER_CLIENT),
            ratelimit.Rate(*settings.SIGNUP_RATE_OVERALL),
        )
        if refusal is not None:
            return _too_many_signups(request, refusal)
        try:
            result = register_region(form.signup_request())
        except SignupError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            from django_tenants.utils import schema_context

            with schema_context(result.region.schema_name):
                token = issue_login_token(result.admin)
            path = reverse("login_token", urlconf=settings.ROOT_URLCONF, kwargs={"token": token})
            return HttpResponseRedirect(region_url(request, result.region.slug, path))
    return render(request, "tenants/signup.html", {"form": form, "base_domain": settings.BASE_DOMAIN})


def _too_many_signups(request: HttpRequest, refusal: ratelimit.Refusal) -> HttpResponse:
    minutes = max(1, -(-refusal.retry_after // 60))
    if refusal.scope == "client":
        message = _(
            "Too many regions were registered from your network. Please try again in %(minutes)s minutes."
        )
    else:
        message = _("Registration is very busy right now. Please try again in %(minutes)s minutes.")
    context = {"title": _("Too many registrations"), "message": message % {"minutes": minutes}}
    response = render(request, "frontend/error.html", context, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


class OfficialRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    province = serializers.CharField(source="province_name")
    time_zone = serializers.CharField()
    slug = serializers.SerializerMethodField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    taken = serializers.SerializerMethodField()

    def get_slug(self, obj: wilayah.OfficialRegion) -> str:
        return wilayah.suggest_slug(obj)

    def get_taken(self, obj: wilayah.OfficialRegion) -> bool:
        return obj.code in self.context["taken"]


@access(public=True)
class OfficialRegionSearch(KnownParameters, APIView):
    """Search the official list of 38 provinces and 514 regencies and cities by name or code."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []
    query_parameters = frozenset({"q"})

    def get(self, request: Request) -> Response:
        hits = wilayah.search(request.query_params.get("q", ""), limit=20)
        taken = set(Region.objects.filter(code__in=[hit.code for hit in hits]).values_list("code", flat=True))
        data = OfficialRegionSerializer(hits, many=True, context={"taken": taken}).data
        return Response({"results": data})


@access(roles=[Role.PLATFORM_OPERATOR])
def operator_regions(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    wanted_status = request.GET.get("status", "")
    page = Paginator(catalogue.regions(query, wanted_status), 50).get_page(request.GET.get("page"))
    regions = list(page.object_list)
    sizes = catalogue.sizes([region.schema_name for region in regions])
    rows = [(region, sizes[region.schema_name]) for region in regions]
    counts = {value: Region.objects.filter(status=value).count() for value in Region.Status.values}
    context = {
        "rows": rows,
        "page": page,
        "query": query,
        "wanted_status": wanted_status,
        "statuses": Region.Status.choices,
        "counts": counts,
        "total": sum(counts.values()),
        "pending": Region.objects.filter(approval=Region.Approval.PENDING).count(),
    }
    return render(request, "tenants/operator/regions.html", context)


@access(roles=[Role.PLATFORM_OPERATOR])
@require_http_methods(["GET", "POST"])
def operator_region(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    form = StatusChangeForm(request.POST or None, initial={"status": region.status})
    if request.method == "POST" and form.is_valid():
        try:
            status.change_status(
                region,
                form.cleaned_data["status"],
                actor=request.user.get_username(),
                reason=form.cleaned_data["reason"],
            )
        except status.StatusChangeError as exc:
            form.add_error(None, str(exc))
        else:
            region.refresh_from_db()
            messages.success(
                request,
                _("%(region)s is now %(status)s.")
                % {"region": region.name, "status": region.get_status_display()},
            )
            return redirect("operator_region", code=region.code)
    return _region_page(request, region, form=form)


def _region_page(
    request: HttpRequest,
    region: Region,
    *,
    form: StatusChangeForm | None = None,
    reject_form: RejectForm | None = None,
    status_code: int = 200,
) -> HttpResponse:
    region = approval.refresh_claim(region)
    context = {
        "region": region,
        "size": catalogue.sizes([region.schema_name])[region.schema_name],
        "form": form or StatusChangeForm(initial={"status": region.status}),
        "reject_form": reject_form or RejectForm(),
        "changes": region.status_changes.all()[:50],
        "decisions": AuditEvent.objects.filter(region_code=region.code)[:50],
        "domains": region.domains.all(),
        "site_url": region_url(request, region.slug),
    }
    return render(request, "tenants/operator/region.html", context, status=status_code)


@access(roles=[Role.PLATFORM_OPERATOR])
def operator_approvals(request: HttpRequest) -> HttpResponse:
    """The queue: every claim not yet approved, oldest first, and the latest decisions."""
    regions = approval.pending_regions()
    context = {
        "rows": [(region, region_url(request, region.slug)) for region in regions],
        "decisions": AuditEvent.objects.all()[:30],
    }
    return render(request, "tenants/operator/approvals.html", context)


def _after_decision(request: HttpRequest, code: str) -> HttpResponse:
    if request.POST.get("back") == "queue":
        return redirect("operator_approvals")
    return redirect("operator_region", code=code)


@access(roles=[Role.PLATFORM_OPERATOR])
@require_http_methods(["POST"])
def operator_region_approve(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    try:
        # The mail's link from configuration, not from the operator's Host header (config.sites).
        approval.approve(region, actor=request.user.get_username(), site_url=sites.region_url(region))
    except approval.ApprovalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(region)s is approved and may publish to the national benchmark; the admin was emailed.")
            % {"region": region.name},
        )
    return _after_decision(request, region.code)


@access(roles=[Role.PLATFORM_OPERATOR])
@require_http_methods(["POST"])
def operator_region_reject(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _region_page(request, region, reject_form=form, status_code=400)
    try:
        approval.reject(
            region,
            actor=request.user.get_username(),
            reason=form.cleaned_data["reason"],
            signup_url=sites.public_url(reverse("signup")),
        )
    except approval.ApprovalError as exc:
        messages.error(request, str(exc))
        return redirect("operator_region", code=region.code)
    messages.success(
        request,
        _(
            "The registration of %(region)s was rejected and its site deleted; "
            "the code %(code)s is free again."
        )
        % {"region": region.name, "code": region.code},
    )
    return redirect("operator_approvals")
