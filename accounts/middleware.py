"""Default deny: a view without an access rule is refused; MFA is enforced where it is required.

A user who must use TOTP and has none is sent to allauth's activation page from every page of ours
(except the enrolment link's own page); for a platform operator that page is refused too unless the
session came through the account's enrolment link (accounts.enrolment).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import enrolment
from accounts.access import is_third_party, rule_for
from accounts.services import has_totp, mfa_required

logger = logging.getLogger(__name__)


class AccessControlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        region = getattr(request, "region", None)
        enrolment.close_if_enrolled(request)
        third_party = is_third_party(view)
        setting_up = getattr(view, "ikd_mfa_setup", False)  # the enrolment link's page
        if (
            user.is_authenticated
            and not third_party
            and not setting_up
            and mfa_required(user, region)
            and not has_totp(user)
        ):
            return redirect("mfa_activate_totp")
        if third_party:
            # An operator's authenticator is enrolled only through the account's one-time link.
            return self._enrolment_needed(request) if enrolment.refuses_activation(request) else None
        rule = rule_for(view)
        if rule is None:
            logger.error("View %r has no access rule; refused.", view)
            return self._forbidden(request)
        if rule.allows(user):
            return None
        if request.path.startswith("/api/"):  # a JSON client gets a status, not the sign-in page
            if user.is_authenticated:
                return JsonResponse(
                    {"detail": _("Your role does not allow you to open this page.")}, status=403
                )
            return JsonResponse({"detail": _("Sign in first.")}, status=401)
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return self._forbidden(request)

    @staticmethod
    def _enrolment_needed(request: HttpRequest) -> HttpResponse:
        context = {
            "title": _("Use your enrolment link"),
            "message": _(
                "The authenticator of a platform operator account can only be set up through the one-time "
                "enrolment link made when the account was created. Open that link, or ask another platform "
                "operator for a new one."
            ),
        }
        return render(request, "frontend/error.html", context, status=403)

    @staticmethod
    def _forbidden(request: HttpRequest) -> HttpResponse:
        context = {
            "title": _("Access denied"),
            "message": _("Your role does not allow you to open this page."),
        }
        return render(request, "frontend/error.html", context, status=403)
