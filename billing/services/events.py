"""Provider events: stored once by id on receipt, processed once in the worker, in any order.

Design:

- Receiving (``receive``, called by the webhook view) only verifies, stores the event by its id
  (``INSERT ... ON CONFLICT DO NOTHING``) and queues its processing after commit: the provider gets its
  answer in milliseconds and retries (Stripe's, for days) find the row already there.
- Processing (``process``, the Celery task) locks the event row and does nothing when it is already
  processed, so the same event delivered five times, or queued twice, changes state once.
- Order: events carry the object's state at their ``created`` time, and may arrive in any order. An
  invoice moves forward only (draft < open < uncollectible < paid/void) and, at the same rank, only to a
  newer state; an older event is recorded as processed and ignored. So ``invoice.finalized`` after
  ``invoice.paid`` leaves the invoice paid.
- A paid invoice is settled by ``billing.services.payments.settle``, the path every payment takes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from billing.models import Invoice, WebhookEvent
from billing.providers import get_provider
from billing.providers.base import (
    BillingProvider,
    CheckoutPaid,
    InvoiceUpdate,
    ProviderEvent,
    ProviderFailure,
)
from billing.services import payments

log = logging.getLogger(__name__)

# An event about one of our invoices that is not saved yet (the provider's answer can outrun the
# transaction that issues the invoice): left unprocessed for the task to try again.
NOT_YET = "invoice not saved yet"

RANK = {
    Invoice.Status.DRAFT: 0,
    Invoice.Status.OPEN: 1,
    Invoice.Status.UNCOLLECTIBLE: 2,
    Invoice.Status.PAID: 3,
    Invoice.Status.VOID: 3,
}


@dataclass(frozen=True)
class Received:
    event_id: str
    new: bool  # False: a repeat of an event already stored


def receive(event: ProviderEvent) -> Received:
    """Store a verified event (once) and queue its processing after commit.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the common case (a new event) costs a single
    statement, and two deliveries of one event at the same moment cannot both insert it.
    """
    table = WebhookEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, type, object_id, created, payload, received_at, attempts,"  # noqa: S608 - our own table's name
            " last_error) VALUES (%s, %s, %s, %s, %s, %s, 0, '')"
            " ON CONFLICT (event_id) DO NOTHING RETURNING id",
            [
                event.id,
                event.type[:100],
                event.object_id[:100],
                event.created,
                json.dumps(event.payload),
                timezone.now(),
            ],
        )
        created = cursor.fetchone() is not None
    # A repeat is queued again only while unprocessed (its task may have been lost); processing is once.
    if created or WebhookEvent.objects.filter(event_id=event.id, processed_at__isnull=True).exists():
        from billing.tasks import process_event

        transaction.on_commit(lambda: process_event.delay(event.id))
    return Received(event_id=event.id, new=created)


def _find_invoice(update: InvoiceUpdate) -> Invoice | None:
    qs = Invoice.objects.select_for_update()
    invoice = qs.filter(provider_invoice_id=update.provider_invoice_id).first()
    if invoice is None and update.ikd_number:
        invoice = qs.filter(number=update.ikd_number).first()
    return invoice


def _apply_invoice(update: InvoiceUpdate, created: int) -> str:
    invoice = _find_invoice(update)
    if invoice is None:
        return NOT_YET if update.ikd_number else "unknown invoice"
    new_rank, old_rank = RANK[Invoice.Status(update.status)], RANK[Invoice.Status(invoice.status)]
    if new_rank < old_rank or (new_rank == old_rank and created <= invoice.provider_state_at):
        return "older than the state held"
    if old_rank == 3 and new_rank == 3:
        return "final already"
    invoice.provider_state_at = created
    if update.hosted_url:
        invoice.provider_hosted_url = update.hosted_url
    if not invoice.provider_invoice_id:
        invoice.provider_invoice_id = update.provider_invoice_id
    invoice.save(update_fields=["provider_state_at", "provider_hosted_url", "provider_invoice_id"])
    if update.status == Invoice.Status.PAID:
        method = Invoice.Method.OUT_OF_BAND if update.paid_out_of_band else Invoice.Method.PROVIDER
        payments.settle(invoice, method=method, reference=update.provider_invoice_id)
        return "paid"
    if update.status != invoice.status:
        invoice.status = update.status
        invoice.save(update_fields=["status"])
    return update.status


def _apply_checkout(paid: CheckoutPaid, provider: BillingProvider) -> str:
    if not paid.paid:
        return "not paid yet"
    invoice = Invoice.objects.select_for_update().filter(number=paid.ikd_number).first()
    if invoice is None:
        return NOT_YET if paid.ikd_number else "unknown invoice"
    if invoice.status != Invoice.Status.OPEN:
        return f"invoice {invoice.status}"
    if invoice.provider_invoice_id:
        # The card paid a separate payment: the provider's invoice is closed as paid outside it.
        provider.mark_paid_out_of_band(invoice.provider_invoice_id)
    payments.settle(invoice, method=Invoice.Method.CARD, reference=paid.session_id)
    return "paid by card"


def process(event_id: str) -> str:
    """Apply a stored event once; returns what was done (for logs and tests)."""
    provider = get_provider()
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().filter(event_id=event_id).first()
        if row is None:
            return "missing"
        if row.processed_at is not None:
            return "already processed"
        if provider is None:
            return "no provider"
        row.attempts += 1
        event = provider.event_from_payload(row.payload)
        try:
            with transaction.atomic():
                if event.invoice is not None:
                    outcome = _apply_invoice(event.invoice, event.created)
                elif event.checkout is not None:
                    outcome = _apply_checkout(event.checkout, provider)
                else:
                    outcome = "ignored"
        except ProviderFailure as exc:
            # Left unprocessed: the task retries; the provider's retries would find it too.
            row.last_error = str(exc)[:2000]
            row.save(update_fields=["attempts", "last_error"])
            raise
        if outcome == NOT_YET:
            row.save(update_fields=["attempts"])
            return NOT_YET
        row.processed_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "processed_at", "last_error"])
    log.info("billing event %s (%s): %s", event_id, row.type, outcome)
    return outcome
