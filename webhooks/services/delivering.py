"""Recording deliveries and making attempts: the rules of retrying, and idempotency under ``acks_late``.

``record_and_queue`` (behind ``events.emit``) writes one ``Delivery`` per subscribed active endpoint in the
caller's transaction and queues the first attempt on commit; a rolled-back change leaves nothing.

``attempt`` makes one attempt while holding the delivery's row lock (``SELECT ... FOR UPDATE``) across the
POST, which ``transport.post`` ends at its deadline (``transport.TIMEOUT_SECONDS``, 5 s for the whole send:
name lookup, connection, TLS, request and answer; a receiver dripping its answer is cut off and the attempt
fails), so the lock, and a web request's worker and database connection during the admin's test send or
resend, are held for about that long at most. The task names the attempt number it is for; a delivery that has
succeeded, has been given up or already had that attempt is left alone. So a task run twice (``acks_late``
after a worker died, the Redis broker redelivering a long countdown after its visibility timeout) sends
at most once per number, and receivers drop any remaining repeat by the event id (``IKD-Event``). A worker
that dies mid-attempt rolls the lock's transaction back: the attempt is made again (at-least-once).

Retries (``retry_delay``): network errors, timeouts, 5xx, 408 and 429 are retried with exponential back-off
and +-20 % jitter, 8 attempts over about 18 hours; any other answer (3xx, 4xx) and a refused address are
final (``gave_up``): the receiver said no, and asking again will not change it. The admin can send a
failed delivery again by hand (``resend``); the test event (``ping``) gets one attempt, shown at once.

Lost tasks: a periodic fan-out (``tasks.send_overdue_everywhere``) queues again, in each writable region,
the attempts that are more than 15 minutes late (``queue_overdue``): a broker that lost its messages, or
a region that was read-only while its deliveries waited (``RegionTask`` drops those tasks).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from tenants.schemas import current_schema
from webhooks.events import Event
from webhooks.models import Delivery, Endpoint
from webhooks.services import signing, transport

MAX_ATTEMPTS = 8
#: Seconds to wait after attempt n (1-based) fails: 30 s, 2 min, 10 min, 30 min, 1 h, 4 h, 12 h.
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 4 * 3600, 12 * 3600)
JITTER = 0.2
RETRIED_CODES = frozenset({408, 429})
USER_AGENT = "IKD-Webhooks/1"
#: An attempt this late has lost its task (``queue_overdue``).
OVERDUE_AFTER = timedelta(minutes=15)

S = Delivery.Status


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    #: Seconds until the next automatic attempt; None when there is none.
    retry_in: float | None


def region_code() -> str:
    tenant = getattr(connection, "tenant", None)
    code = getattr(tenant, "code", None)
    if code:
        return str(code)
    from tenants.models import Region

    return Region.objects.filter(schema_name=current_schema()).values_list("code", flat=True).first() or ""


def envelope(event: Event, data: Mapping[str, Any], event_id: uuid.UUID) -> dict[str, Any]:
    """What the receiver gets as JSON. ``data`` goes through JSON here, so a caller passing something
    that is not plain data fails in its own transaction, not later in a worker."""
    plain = json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder))
    return {
        "id": str(event_id),
        "type": str(event),
        "created": int(time.time()),
        "region": region_code(),
        "data": plain,
    }


def record_and_queue(event: Event, data: Mapping[str, Any]) -> list[int]:
    if current_schema() == get_public_schema_name():
        return []  # the platform has no endpoints: webhooks belong to a region
    endpoints = list(Endpoint.objects.filter(active=True, events__contains=[str(event)]))
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = envelope(event, data, event_id)
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=e, event=str(event), event_id=event_id, payload=payload) for e in endpoints
    )
    ids = [d.pk for d in deliveries]

    def queue_all() -> None:
        for pk in ids:
            queue(pk, 1)

    transaction.on_commit(queue_all)
    return ids


def queue(delivery_id: int, number: int, countdown: float = 0) -> None:
    from webhooks.tasks import send_delivery

    if countdown > 0:
        send_delivery.apply_async((delivery_id, number), countdown=countdown)
    else:
        send_delivery.apply_async((delivery_id, number))


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def headers_for(delivery: Delivery, body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.SIGNATURE_HEADER: signing.sign(body, secret),
        "IKD-Event": str(delivery.event_id),
        "IKD-Event-Type": delivery.event,
        "IKD-Delivery": str(delivery.pk),
    }


def retryable(response: transport.Response) -> bool:
    if response.refused:
        return False
    if response.status is None:
        return True
    return response.status >= 500 or response.status in RETRIED_CODES


def retry_delay(attempts_made: int, rng: random.Random | None = None) -> float:
    base = BACKOFF_SECONDS[min(attempts_made, len(BACKOFF_SECONDS)) - 1]
    return base * (1 + (rng or random).uniform(-JITTER, JITTER))


def attempt(delivery_id: int, number: int | None) -> Outcome | None:
    """Make attempt ``number`` of a delivery (None: one attempt asked by the admin, whatever its state).
    None when the delivery no longer exists (its endpoint was deleted)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if number is not None and (
            delivery.status in {S.SUCCEEDED, S.GAVE_UP} or delivery.attempts >= number
        ):
            return Outcome(delivery, None)  # done already, or a repeat of an attempt made
        if number is None and delivery.status == S.SUCCEEDED:
            # The admin's resend, read before the lock: a worker's attempt it waited for has delivered it.
            return Outcome(delivery, None)
        if number is not None and not delivery.endpoint.active:
            delivery.status, delivery.next_attempt_at = S.GAVE_UP, None
            delivery.last_error = "Endpoint disabled; not sent."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return Outcome(delivery, None)
        body = body_of(delivery)
        response = transport.post(
            delivery.endpoint.url, body, headers_for(delivery, body, delivery.endpoint.secret)
        )
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = response.status
        delivery.last_error = response.error
        delivery.duration_ms = response.duration_ms
        delivery.history = [
            *delivery.history,
            {
                "at": now.isoformat(),
                "code": response.status,
                "error": response.error[:300],
                "ms": response.duration_ms,
            },
        ]
        retry_in: float | None = None
        if response.status is not None and 200 <= response.status < 300:
            delivery.status = S.SUCCEEDED
        elif delivery.event != Event.TEST and retryable(response) and delivery.attempts < MAX_ATTEMPTS:
            retry_in = retry_delay(delivery.attempts)
            delivery.status = S.FAILED
        else:
            delivery.status = S.GAVE_UP
        delivery.next_attempt_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        delivery.save()
    return Outcome(delivery, retry_in)


def run(delivery_id: int, number: int | None) -> Outcome | None:
    """An attempt, and the next one queued when it is to be retried."""
    outcome = attempt(delivery_id, number)
    if outcome is not None and outcome.retry_in is not None:
        following = outcome.delivery.attempts + 1
        transaction.on_commit(lambda: queue(delivery_id, following, outcome.retry_in or 0))
    return outcome


def queue_overdue(grace: timedelta = OVERDUE_AFTER) -> int:
    """Queue again the attempts whose task was lost (a broker restart, a region suspended while they
    waited): pending deliveries older than ``grace``, and failed ones whose next attempt is ``grace``
    late. Safe beside a task that is merely slow: an attempt number is made once. The number queued."""
    cutoff = timezone.now() - grace
    late = Delivery.objects.filter(status=S.PENDING, created_at__lt=cutoff) | Delivery.objects.filter(
        status=S.FAILED, next_attempt_at__lt=cutoff
    )
    rows = list(late.values_list("pk", "attempts")[:1000])
    for pk, attempts in rows:
        queue(pk, attempts + 1)
    return len(rows)


def send_test(endpoint: Endpoint) -> Delivery:
    """The "Kirim uji" button: a ``ping`` to this endpoint now (even if it is disabled), one attempt."""
    event_id = uuid.uuid4()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event=str(Event.TEST),
        event_id=event_id,
        payload=envelope(Event.TEST, {"message": "Uji webhook dari IKD", "endpoint": endpoint.pk}, event_id),
    )
    outcome = attempt(delivery.pk, None)
    assert outcome is not None
    return outcome.delivery


def resend(delivery: Delivery) -> Delivery:
    """The "kirim ulang" button: one attempt now; if it fails in a retryable way, retries follow."""
    outcome = run(delivery.pk, None)
    return outcome.delivery if outcome is not None else delivery
