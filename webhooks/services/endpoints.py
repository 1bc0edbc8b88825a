"""The region admin's changes to endpoints, each audited (the secret never goes into the trail: it is
shown once, on the page that answers the creation, or the change of URL that replaced it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from audit import services as audit_trail
from webhooks.models import Delivery, Endpoint, new_secret
from webhooks.services import delivering


@dataclass(frozen=True)
class EndpointRow:
    endpoint: Endpoint
    last: Delivery | None


def _subject(endpoint: Endpoint) -> tuple[str, str, str]:
    return ("webhook", str(endpoint.pk), endpoint.url)


def listing() -> list[EndpointRow]:
    """Every endpoint with its latest delivery (two queries, whatever the number of endpoints)."""
    latest = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    endpoints = list(Endpoint.objects.annotate(last_id=Subquery(latest)).order_by("id"))
    last = Delivery.objects.in_bulk([e.last_id for e in endpoints if e.last_id])
    return [EndpointRow(e, last.get(e.last_id)) for e in endpoints]


@transaction.atomic
def create(url: str, description: str, events: Sequence[str], active: bool, actor: Any) -> Endpoint:
    endpoint = Endpoint.objects.create(
        url=url, description=description, events=list(events), active=active, created_by=actor
    )
    audit_trail.record("webhook.created", subject=_subject(endpoint), events=list(events), active=active)
    return endpoint


@transaction.atomic
def update(endpoint: Endpoint, changed: Sequence[str]) -> bool:
    """Save the admin's changes; True when the URL changed, which replaces the secret (the caller shows the
    new one once, as on creation). The old receiver knows the old secret: kept, it could sign requests the
    new receiver would take for IKD's. And the new receiver needs the secret, which is never shown again
    after creation."""
    rotated = "url" in changed
    if rotated:
        endpoint.secret = new_secret()
    endpoint.save()
    audit_trail.record(
        "webhook.changed",
        subject=_subject(endpoint),
        fields=list(changed),
        events=endpoint.events,
        signing_renewed=rotated,  # a key named "secret" would be dropped from the trail
    )
    return rotated


@transaction.atomic
def set_active(endpoint: Endpoint, active: bool) -> Endpoint:
    endpoint.active = active
    endpoint.save(update_fields=["active", "updated_at"])
    audit_trail.record("webhook.enabled" if active else "webhook.disabled", subject=_subject(endpoint))
    return endpoint


@transaction.atomic
def delete(endpoint: Endpoint) -> None:
    audit_trail.record("webhook.deleted", subject=_subject(endpoint))
    endpoint.delete()  # its delivery log goes with it; queued attempts find nothing and stop


def send_test(endpoint: Endpoint) -> Delivery:
    delivery = delivering.send_test(endpoint)
    audit_trail.record(
        "webhook.test_sent",
        subject=_subject(endpoint),
        state=delivery.status,
        response=delivery.last_status_code,
    )
    return delivery


def resend(delivery: Delivery) -> Delivery:
    delivery = delivering.resend(delivery)
    audit_trail.record(
        "webhook.resent", subject=_subject(delivery.endpoint), state=delivery.status, event=delivery.event
    )
    return delivery
