"""The links in the header, by site and role."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

# (url name, label, roles that see it; empty: every signed-in user)
REGION_LINKS = [
    ("home", _("Dashboard"), ()),
    ("round_list", _("Rounds"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("results_home", _("Results"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("region_benchmark", _("Benchmark"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("my_result", _("My result"), (Role.EMPLOYEE,)),
    ("my_data", _("My data"), (Role.EMPLOYEE,)),
    ("employee_list", _("Employees"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("unit_list", _("Work units"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("training_overview", _("Training (JP)"), (Role.REGION_ADMIN,)),
    ("talent", _("Talent"), (Role.REGION_ADMIN,)),
    ("instrument_catalogue", _("Instrument"), (Role.REGION_ADMIN, Role.UNIT_COORDINATOR)),
    ("local_item_list", _("Local items"), (Role.REGION_ADMIN,)),
    ("users", _("Users"), (Role.REGION_ADMIN,)),
    ("security", _("Security"), (Role.REGION_ADMIN,)),
    ("correction_list", _("Privacy"), (Role.REGION_ADMIN,)),
    ("billing_region", _("Billing"), (Role.REGION_ADMIN,)),
    ("api_keys", _("API"), (Role.REGION_ADMIN,)),
    ("webhook_list", _("Webhooks"), (Role.REGION_ADMIN,)),
    ("audit_trail", _("Audit trail"), (Role.REGION_ADMIN,)),
]
PUBLIC_LINKS = [
    ("national_portal", _("National benchmark"), (Role.NATIONAL_VIEWER, Role.PLATFORM_OPERATOR)),
    ("national_ranking", _("Regions ranked"), (Role.NATIONAL_VIEWER, Role.PLATFORM_OPERATOR)),
    ("operator_regions", _("Regions"), (Role.PLATFORM_OPERATOR,)),
    ("operator_approvals", _("Approvals"), (Role.PLATFORM_OPERATOR,)),
    ("operator_billing", _("Billing"), (Role.PLATFORM_OPERATOR,)),
    ("operator_calibration", _("Calibration"), (Role.PLATFORM_OPERATOR,)),
    ("operator_audit", _("Audit trail"), (Role.PLATFORM_OPERATOR,)),
    ("instrument_catalogue", _("Instrument"), (Role.PLATFORM_OPERATOR, Role.NATIONAL_VIEWER)),
]


def links_for(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    if not user.is_authenticated:
        return []
    table = REGION_LINKS if getattr(request, "region", None) is not None else PUBLIC_LINKS
    result = []
    for name, label, roles in table:
        if roles and user.role not in roles:
            continue
        try:
            result.append((reverse(name), str(label)))
        except NoReverseMatch:
            continue
    return result


class NavigationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.ikd_nav = SimpleLazyObject(lambda: links_for(request))  # type: ignore[attr-defined]
        return self.get_response(request)
