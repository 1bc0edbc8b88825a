"""The shared test regions A and B are paying customers with ample seats, so the suite's rounds (any
size, several per region, some committed by browser tests) open as before billing counted seats. Their
Region.status stays "trial" (tests of the status workflow expect it). A billing test that needs a
trial region removes the contract inside its rolled-back transaction (``as_trial``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

SEATS = 1_000_000


def give_test_regions_seats(*regions: Any) -> None:
    from billing.models import Plan, Subscription
    from billing.services.subscriptions import year_after

    start = timezone.localdate() - timedelta(days=180)
    plan = Plan.objects.get(code="standar")
    for region in regions:
        Subscription.objects.get_or_create(
            region=region,
            defaults={
                "plan": plan,
                "seats": SEATS,
                "period_start": start,
                "period_end": year_after(start),
                "status": Subscription.Status.ACTIVE,
            },
        )


def as_trial(region: Any) -> Any:
    """The region without its test contract (call inside a test's transaction: rolled back after)."""
    from billing.models import Subscription

    Subscription.objects.filter(region=region).delete()
    return region
