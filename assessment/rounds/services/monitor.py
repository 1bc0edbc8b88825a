"""Test day, live: per unit, invited / started / submitted, the submission rate, who has not started."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone

from assessment.rounds.models import Attempt, Participant, Round

BUCKET_MINUTES = 10


def unit_progress(round_: Round, unit_ids: list[int] | None = None) -> list[dict[str, Any]]:
    qs = Participant.objects.filter(round=round_)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    rows = (
        qs.values("unit_id", "unit__name")
        .annotate(
            invited=Count("id"),
            started=Count("attempt"),
            submitted=Count("attempt", filter=Q(attempt__state=Attempt.State.SUBMITTED)),
        )
        .order_by("unit__name")
    )
    return [
        {
            "unit": r["unit__name"],
            "unit_id": r["unit_id"],
            "invited": r["invited"],
            "started": r["started"],
            "submitted": r["submitted"],
        }
        for r in rows
    ]


def rate(
    round_: Round, unit_ids: list[int] | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Starts and submissions per 10 minutes over the last 12 hours."""
    now = now or timezone.now()
    since = now - timedelta(hours=12)
    qs = Attempt.objects.filter(participant__round=round_, started_at__gte=since)
    if unit_ids is not None:
        qs = qs.filter(participant__unit_id__in=unit_ids)
    buckets: dict[str, dict[str, int]] = {}
    for field, label in (("started_at", "started"), ("submitted_at", "submitted")):
        for row in (
            qs.exclude(**{f"{field}__isnull": True})
            .annotate(m=TruncMinute(field))
            .values("m")
            .annotate(n=Count("id"))
        ):
            minute = row["m"].replace(minute=row["m"].minute - row["m"].minute % BUCKET_MINUTES)
            slot = buckets.setdefault(
                timezone.localtime(minute).strftime("%H:%M"), {"started": 0, "submitted": 0}
            )
            slot[label] += row["n"]
    return [{"time": key, **value} for key, value in sorted(buckets.items())]


def not_started(round_: Round, unit_ids: list[int] | None = None) -> QuerySet[Participant]:
    qs = Participant.objects.filter(round=round_, attempt__isnull=True).select_related("employee", "unit")
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.order_by("unit__name", "employee__full_name")
