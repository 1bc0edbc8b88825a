"""The base of every view of the region API (api.v1): key authentication, per-key throttle, and the
project's access rule.

Subclass ``RegionApiView`` (or ``RegionGenericApiView`` for DRF generics) and set
``permission_classes = [requires(Scope.X)]``. Without it the view refuses everyone (``DenyAll``), so
a forgotten scope can never open a view.

Access rule: ``ikd_access`` is public for AccessControlMiddleware (which knows only signed-in accounts
and would redirect an API client to the sign-in page); the API's own check is the key and its scopes,
done by DRF. The URL walkers (tests/url_walk.py) see the rule like any other view's.

A region that is read-only (suspended) refuses writes in the database (tenants.readonly); here the
refusal is answered as JSON 403 rather than the HTML page the middleware would render.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import AccessRule
from api.authentication import ApiKeyAuthentication
from api.throttling import ApiKeyThrottle
from tenants import readonly


class DenyAll(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class RegionReadOnly(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _("This region is suspended: its data can be read but not changed.")
    default_code = "region_read_only"


class RegionApiView(APIView):
    ikd_access = AccessRule(public=True)
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [DenyAll]
    throttle_classes = [ApiKeyThrottle]

    def handle_exception(self, exc: Exception) -> Response:
        if readonly.is_read_only_error(exc):
            exc = RegionReadOnly()
        return super().handle_exception(exc)


class RegionGenericApiView(RegionApiView, GenericAPIView):
    pass


RegionApiMixin = RegionApiView  # every API view is a subclass (the isolation test walks them)
