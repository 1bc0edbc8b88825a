"""Public-site views of the tenants app: signup, the official region list, the operator console."""

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
from tenants import wilayah
from tenants.forms import SignupForm, StatusChangeForm
from tenants.models import Region
from tenants.services import catalogue, status
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
class OfficialRegionSearch(APIView):
    """Search the official list of 38 provinces and 514 regencies and cities by name or code."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

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
    context = {
        "region": region,
        "size": catalogue.sizes([region.schema_name])[region.schema_name],
        "form": form,
        "changes": region.status_changes.all()[:50],
        "domains": region.domains.all(),
        "site_url": region_url(request, region.slug),
    }
    return render(request, "tenants/operator/region.html", context)
