"""``{% billing_overdue_banner %}``: the banner that tells a region's admins an invoice is overdue.

Shown in the base template under the read-only banner (the same look: ``banner-readonly``), to region
admins only, so other users' pages cost no query. While the grace period runs it says until when the
invoice can be paid before the site becomes read-only; once billing has suspended the region (the
existing read-only banner then gives the reason) it says that paying lifts it at once.
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Role
from billing.services import subscriptions

register = template.Library()


@register.inclusion_tag("billing/includes/overdue_banner.html", takes_context=True)
def billing_overdue_banner(context: Any) -> dict[str, Any]:
    request = context.get("request")
    region = getattr(request, "region", None)
    user = getattr(request, "user", None)
    if region is None or getattr(user, "role", None) != Role.REGION_ADMIN:
        return {"notice": None}
    return {"notice": subscriptions.overdue_notice(region), "region": region}
