"""Unpaid invoices: reminders, then read-only after a grace period; never deletion.

Run daily by the beat task ``billing.check_overdue``. For each invoice still open:

- Reminders at the days ``BILLING_REMINDER_DAYS`` relative to the due date (e.g. 7 days before, on the
  day, 7 and 30 days after). Each is sent once (``InvoiceReminder``); a run that missed some days sends
  only the latest one due, not a burst.
- A paying region whose invoice is unpaid ``BILLING_GRACE_DAYS`` after its due date becomes read-only
  through the suspension every suspended region gets (``tenants.services.status.suspend``, reason
  "Tagihan belum dibayar"): its people can still sign in, read and download, nobody loses data, and
  the existing read-only banner says why. The grace is generous because treasuries pay late around the
  end of the fiscal year. The contract remembers that billing suspended it, so payment lifts exactly
  that suspension at once (``billing.services.payments``), and never one the operator decided.
- A trial region that asked for an invoice and did not pay keeps its trial: it owes nothing yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import BillingProfile, Invoice, InvoiceReminder, Subscription
from billing.services import subscriptions
from tenants.models import Region
from tenants.services import status as region_status

log = logging.getLogger(__name__)

# Shown to the region's users on the read-only banner (stored as the suspension's reason).
NONPAYMENT_REASON = "Tagihan belum dibayar"
SYSTEM_ACTOR = "billing"


@dataclass(frozen=True)
class OverdueReport:
    reminded: int
    suspended: int


def _rupiah(value: int) -> str:
    return "Rp " + f"{value:,}".replace(",", ".")


def _recipient(invoice: Invoice) -> str:
    profile = BillingProfile.objects.filter(region_id=invoice.region_id).first()
    if profile and profile.contact_email:
        return profile.contact_email
    return invoice.region.signup_email


def _send(invoice: Invoice, kind: str) -> bool:
    """Record and send one reminder; False when it was sent before (the unique row says so)."""
    try:
        with transaction.atomic():
            InvoiceReminder.objects.create(invoice=invoice, kind=kind)
    except IntegrityError:
        return False
    to = _recipient(invoice)
    if not to:
        return True
    with translation.override("id"):
        values = {
            "number": invoice.number,
            "total": _rupiah(invoice.total),
            "due": invoice.due_date.strftime("%d-%m-%Y"),
            "region": invoice.region.name,
        }
        if kind == "suspended":
            subject = _("Invoice %(number)s is unpaid: %(region)s is now read-only") % values
            body = (
                _(
                    "Invoice %(number)s of %(total)s was due on %(due)s and is still unpaid. %(region)s "
                    "can now only be read: nothing is deleted, and everything works again as soon as the "
                    "payment is recorded."
                )
                % values
            )
        else:
            subject = _("Reminder: invoice %(number)s, due %(due)s") % values
            body = (
                _(
                    "Invoice %(number)s of %(total)s for %(region)s is due on %(due)s. If the treasury has "
                    "already paid, please send us the SP2D number and date."
                )
                % values
            )
    send_mail(subject, body, None, [to], fail_silently=True)
    return True


def _reminder_due(invoice: Invoice, today: date) -> str | None:
    passed = [d for d in settings.BILLING_REMINDER_DAYS if today >= invoice.due_date + timedelta(days=d)]
    return f"due{max(passed):+d}" if passed else None


def _suspend(invoice: Invoice) -> bool:
    region = Region.objects.get(pk=invoice.region_id)
    sub = subscriptions.peek_current(region)
    if sub is None or sub.is_trial or sub.status == Subscription.Status.ENDED:
        return False
    if region.status != Region.Status.ACTIVE:
        return False  # already suspended or closed by the operator: not billing's to change
    with transaction.atomic():
        region_status.suspend(region, actor=SYSTEM_ACTOR, reason=NONPAYMENT_REASON)
        Subscription.objects.filter(pk=sub.pk).update(
            status=Subscription.Status.SUSPENDED, suspended_for_nonpayment=True
        )
    _send(invoice, "suspended")
    log.info("region %s read-only: invoice %s unpaid", region.code, invoice.number)
    return True


def run(today: date) -> OverdueReport:
    reminded = suspended = 0
    grace = timedelta(days=settings.BILLING_GRACE_DAYS)
    open_invoices = Invoice.objects.filter(status=Invoice.Status.OPEN).select_related("region")
    for invoice in open_invoices.order_by("due_date", "pk"):
        kind = _reminder_due(invoice, today)
        if kind and _send(invoice, kind):
            reminded += 1
        if today > invoice.due_date:
            Subscription.objects.filter(
                pk=invoice.subscription_id or 0, status=Subscription.Status.ACTIVE
            ).update(status=Subscription.Status.OVERDUE)
        if today > invoice.due_date + grace and _suspend(invoice):
            suspended += 1
    return OverdueReport(reminded=reminded, suspended=suspended)
