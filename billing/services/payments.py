"""What a paid invoice does: the contract it bought takes effect, and a non-payment suspension ends.

One function, ``settle``, whichever way the money came (treasury transfer recorded by the operator, a card
through Checkout, the provider's own invoice page), so the three paths cannot drift apart. It is
idempotent: settling a paid invoice again changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from billing.models import Invoice, Subscription
from tenants.models import Region
from tenants.services import status as region_status

SYSTEM_ACTOR = "billing"


def _apply_contract(invoice: Invoice) -> Subscription:
    if invoice.kind == Invoice.Kind.UPGRADE and invoice.subscription_id:
        sub = Subscription.objects.select_for_update().get(pk=invoice.subscription_id)
        sub.plan = invoice.plan
        sub.seats = max(sub.seats, invoice.seats)
        sub.save(update_fields=["plan", "seats", "updated_at"])
        return sub
    # A new contract (from the trial) replaces the earlier ones; a renewal follows the current year, which
    # runs on to its end (the contract in force on a day is the one whose period covers it).
    earlier = list(
        Subscription.objects.select_for_update()
        .filter(region_id=invoice.region_id)
        .exclude(status=Subscription.Status.ENDED)
    )
    discount = max((s.discount_percent for s in earlier), default=0)
    used = max((s.seats_used for s in earlier if s.covers(invoice.period_start)), default=0)
    rounds = max((s.rounds_used for s in earlier if s.covers(invoice.period_start)), default=0)
    for old in earlier:
        if invoice.kind != Invoice.Kind.RENEWAL or old.period_end >= invoice.period_start:
            old.status = Subscription.Status.ENDED
            old.save(update_fields=["status", "updated_at"])
    sub = Subscription.objects.create(
        region_id=invoice.region_id,
        plan=invoice.plan,
        seats=invoice.seats,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        status=Subscription.Status.ACTIVE,
        discount_percent=discount,
        seats_used=used,
        rounds_used=rounds,
    )
    invoice.subscription = sub
    invoice.save(update_fields=["subscription"])
    return sub


def lift_if_settled(region: Region) -> None:
    """End a non-payment suspension once no invoice of the region is unpaid past its due date."""
    if Invoice.objects.filter(
        region=region, status=Invoice.Status.OPEN, due_date__lt=timezone.localdate()
    ).exists():
        return
    subs = Subscription.objects.filter(region=region)
    flagged = subs.filter(suspended_for_nonpayment=True).exists()
    subs.filter(status__in=[Subscription.Status.OVERDUE, Subscription.Status.SUSPENDED]).update(
        status=Subscription.Status.ACTIVE
    )
    subs.filter(suspended_for_nonpayment=True).update(suspended_for_nonpayment=False)
    if flagged and region.status == Region.Status.SUSPENDED:
        region_status.reactivate(region, actor=SYSTEM_ACTOR)


@transaction.atomic
def settle(
    invoice: Invoice,
    *,
    method: str,
    reference: str = "",
    paid_on: date | None = None,
    amount_received: int | None = None,
) -> Invoice:
    """Mark ``invoice`` paid and let what it bought take effect (no provider call: callers do that)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.PAID:
        return invoice
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.payment_method = method
    invoice.payment_reference = reference
    invoice.payment_date = paid_on or timezone.localdate()
    invoice.amount_received = amount_received
    invoice.save(
        update_fields=[
            "status",
            "paid_at",
            "payment_method",
            "payment_reference",
            "payment_date",
            "amount_received",
        ]
    )
    region = Region.objects.select_for_update().get(pk=invoice.region_id)
    _apply_contract(invoice)
    # Paying customers stop being on trial: the region's own status follows (tenants' service).
    if region.status == Region.Status.TRIAL:
        region_status.change_status(region, Region.Status.ACTIVE, actor=SYSTEM_ACTOR)
        region.refresh_from_db()
    lift_if_settled(region)
    return invoice
