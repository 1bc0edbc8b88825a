"""The Celery tasks of webhooks: one attempt of a delivery, in the region's schema (``RegionTask``: a
read-only region's deliveries wait), and the periodic fan-out that queues lost attempts again. Rules and
idempotency: ``services.delivering``."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import delivering

# The send ends at transport's deadline (5 s, name lookup and TLS included); the limit is a last guard,
# against a stuck database say.
SOFT_LIMIT = 60


@shared_task(
    name="webhooks.send_delivery", acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=SOFT_LIMIT + 15
)
def send_delivery(delivery_id: int, number: int) -> str:
    outcome = delivering.run(delivery_id, number)
    return outcome.delivery.status if outcome is not None else "gone"


@shared_task(name="webhooks.send_overdue")
def send_overdue() -> int:
    """The lost attempts of the region the task runs in, queued again."""
    return delivering.queue_overdue()


@shared_task(name="webhooks.send_overdue_everywhere")
def send_overdue_everywhere() -> int:
    """Queue each writable region's ``send_overdue`` (every 5 minutes, from the beat schedule)."""
    from assessment.privacy.tasks import writable_regions

    schemas = writable_regions()
    for schema in schemas:
        send_overdue.apply_async(headers={"_schema_name": schema})
    return len(schemas)
