"""Which region a request is for (by host name), and what a suspended region still allows.

A suspended or closed region is read-only in its database session (``tenants.readonly``: selecting the
region as the connection's tenant does it). The status middleware below turns that into what users
see: a form sent to such a region is refused before its view runs, and a page whose view writes anyway
(a score computed on its first view, a catalogue seeded on its first visit) answers with the same
read-only page instead of a 500. Signing in and out are let through, with their writes.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants import readonly
from tenants.models import Domain, Region
from tenants.schemas import current_schema, use_public_schema

logger = logging.getLogger(__name__)

# The test taker's regions by host name, kept in this process for ``REGION_CACHE_SECONDS`` (default 5).
# The look-up costs three round trips to PostgreSQL (health check, search_path, the domain and region
# row), most of a no-database request's time and a third of an answer save's, and a sixth of each step
# of a start storm (docs/testday-performance.md). Only the taker's paths under ``/tes/`` use it: their
# views read the region's schema, time zone and status and show its name; a change saved elsewhere
# reaches them within the TTL (a suspension within seconds, a new name on the next test page), while
# the admin's and the operator's pages, which show what was just changed, always read it afresh. A
# change saved in this process clears it at once. Each request gets its own copy. The region API
# (``/api/v1/``) is served the same way: its keys are still checked in the region's own schema on every
# request, so the cache never lets one region's key reach another.
CACHED_PATHS = ("/tes/", "/api/v1/")
_regions: dict[str, tuple[float, Any]] = {}


def forget_regions(**_: Any) -> None:
    _regions.clear()


for _model in (Region, Domain):
    post_save.connect(forget_regions, sender=_model, dispatch_uid=f"forget_regions_save_{_model.__name__}")
    post_delete.connect(forget_regions, sender=_model, dispatch_uid=f"forget_regions_del_{_model.__name__}")


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
        if request.path_info.startswith(CACHED_PATHS):
            response = self._from_cache(request, hostname)
        else:
            response = super().process_request(request)
        region = getattr(request, "tenant", None)
        request.region = region if isinstance(region, Region) else None  # type: ignore[attr-defined]
        if request.region is not None:  # type: ignore[attr-defined]
            timezone.activate(request.region.tzinfo)  # type: ignore[attr-defined]
        return response

    def _from_cache(self, request: HttpRequest, hostname: str) -> HttpResponse | None:
        """For the test-taking API: the region from this process's cache, else looked up and kept.
        What django-tenants' ``process_request`` does, without its query when the region is known."""
        ttl = float(getattr(settings, "REGION_CACHE_SECONDS", 5))
        now = time.monotonic()
        hit = _regions.get(hostname)
        if hit is None or now - hit[0] >= ttl:
            response = super().process_request(request)
            if response is None and ttl > 0:
                _regions[hostname] = (now, copy.copy(request.tenant))  # type: ignore[attr-defined]
            return response
        tenant = copy.copy(hit[1])
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        request.tenant = tenant  # type: ignore[attr-defined]
        connection.set_tenant(tenant)  # type: ignore[attr-defined]
        self.setup_url_routing(request)
        return None

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        context = {
            "title": _("Region not found"),
            "message": _("No region uses the address %(host)s.") % {"host": hostname},
        }
        return render(request, "frontend/error.html", context, status=404)


# Views a suspended region's users may still use, writes included: signing in and out.
_ALLOWED_WHEN_READ_ONLY = {
    "account_login",
    "account_logout",
    "set_language",
    "mfa_authenticate",
    "login_token",
    "billing_invoice_pay",  # a region suspended for non-payment may still pay by card
}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def read_only_response(request: HttpRequest, region: Region) -> HttpResponse:
    """The page that tells a user of a read-only region why nothing was changed."""
    context = {
        "title": _("This region is read-only"),
        "message": _(
            "The site of %(region)s is suspended: you can look at its data but not change it. "
            "Please contact the platform operator."
        )
        % {"region": region.name},
    }
    if request.path_info.startswith("/api/"):  # API clients read JSON, not the HTML page
        return JsonResponse({"detail": str(context["message"])}, status=403)
    return render(request, "frontend/error.html", context, status=403)


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info, urlconf=getattr(request, "urlconf", None)).url_name
    except Resolver404:
        return None


class RegionStatusMiddleware:
    """A suspended or closed region's site stays readable but refuses every change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        region: Region | None = getattr(request, "region", None)
        if region is None or not region.is_read_only or current_schema() == get_public_schema_name():
            return self.get_response(request)
        if _url_name(request) in _ALLOWED_WHEN_READ_ONLY:
            with readonly.writes_allowed():
                return self.get_response(request)
        if request.method not in _SAFE_METHODS:
            return read_only_response(request, region)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view of a read-only region tried to write and the database refused: say so, not 500."""
        region: Region | None = getattr(request, "region", None)
        if region is None or not region.is_read_only or not readonly.is_read_only_error(exception):
            return None
        logger.info(
            "Refused a write in read-only region %s (%s): %s %s",
            region.code,
            region.status,
            request.method,
            request.path,
        )
        return read_only_response(request, region)
