"""Which region a request is for (by host name), and what a suspended region still allows."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants.models import Region
from tenants.schemas import current_schema, use_public_schema


class RegionMiddleware(TenantMainMiddleware):
    """``BASE_DOMAIN`` is the public site (no Region row); any other host must be a region's domain.

    Sets ``request.region`` (None on the public site) and activates the region's time zone.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        use_public_schema()
        hostname = self.hostname_from_request(request)
        if hostname == settings.BASE_DOMAIN:
            request.region = None  # type: ignore[attr-defined]
            request.tenant = connection.tenant  # type: ignore[attr-defined]
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            timezone.activate(settings.TIME_ZONE)
            return None
        response = super().process_request(request)
        region = getattr(request, "tenant", None)
        request.region = region if isinstance(region, Region) else None  # type: ignore[attr-defined]
        if request.region is not None:  # type: ignore[attr-defined]
            timezone.activate(request.region.tzinfo)  # type: ignore[attr-defined]
        return response

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        context = {
            "title": _("Region not found"),
            "message": _("No region uses the address %(host)s.") % {"host": hostname},
        }
        return render(request, "frontend/error.html", context, status=404)


# Views a suspended region's users may still post to: signing in and out.
_ALLOWED_WHEN_READ_ONLY = {
    "account_login",
    "account_logout",
    "set_language",
    "mfa_authenticate",
    "login_token",
}


class RegionStatusMiddleware:
    """A suspended or closed region's site stays readable but refuses every change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        region: Region | None = getattr(request, "region", None)
        if (
            region is not None
            and region.is_read_only
            and request.method not in {"GET", "HEAD", "OPTIONS"}
            and current_schema() != get_public_schema_name()
        ):
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
            if match.url_name not in _ALLOWED_WHEN_READ_ONLY:
                context = {
                    "title": _("This region is read-only"),
                    "message": _(
                        "The site of %(region)s is suspended: you can look at its data but not change it. "
                        "Please contact the platform operator."
                    )
                    % {"region": region.name},
                }
                return render(request, "frontend/error.html", context, status=403)
        return self.get_response(request)
