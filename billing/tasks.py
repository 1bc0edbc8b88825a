"""Billing's background work: provider events, and the daily overdue round (reminders, read-only)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from billing.services import events, overdue


@shared_task(name="billing.process_event", bind=True, max_retries=20)
def process_event(self: Any, event_id: str) -> str:
    """Apply a stored provider event once (a repeat finds it processed and stops)."""
    try:
        outcome = events.process(event_id)
    except events.ProviderFailure as exc:
        raise self.retry(exc=exc, countdown=60) from exc
    if outcome == events.NOT_YET:
        raise self.retry(countdown=15)
    return outcome


@shared_task(name="billing.check_overdue")
def check_overdue() -> str:
    report = overdue.run(timezone.localdate())
    return f"reminded {report.reminded}, made read-only {report.suspended}"
