"""``requires(Scope.X, ...)``: the permission class of an API view: an active key holding every scope.

A key that lacks a scope gets 403 naming the missing scopes, so the integrator knows which key to ask
the region admin for. A request without a key gets 401 (DRF: NotAuthenticated, since the view's
authenticator gives a WWW-Authenticate header).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.keys import services
from api.keys.scopes import Scope
from api.models import ApiKey


def requires(*scopes: Scope) -> type[BasePermission]:
    needed = tuple(Scope(s) for s in scopes)

    class HoldsScopes(BasePermission):
        required_scopes = needed

        def has_permission(self, request: Request, view: Any) -> bool:
            key = request.auth
            if not isinstance(key, ApiKey) or not key.is_active:
                return False
            missing = services.holds(key, needed)
            if missing:
                self.message = _("This API key lacks the scope(s): %(scopes)s.") % {
                    "scopes": ", ".join(s.value for s in missing)
                }
                return False
            return True

    HoldsScopes.__name__ = HoldsScopes.__qualname__ = "Requires_" + "_".join(
        s.value.replace(":", "_") for s in needed
    )
    return HoldsScopes
