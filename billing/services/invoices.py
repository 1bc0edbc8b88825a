"""Invoices after they are issued: reading them, payment received out of band, card checkout, voiding.

A regional treasury pays by transfer (SP2D), often net of the tax it withholds, and outside Stripe: the
operator records the treasury's reference and date, the provider's invoice is marked paid out of band,
and the invoice is settled (``billing.services.payments``). The amount received is kept as told, since a
withheld PPh 23 makes it smaller than the total without the invoice being unpaid.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit_trail
from billing.models import BillingProfile, Invoice
from billing.providers import get_provider
from billing.providers.base import ProviderFailure
from billing.services import payments
from billing.services.errors import BillingError, ProviderError
from tenants import readonly
from tenants.models import Region


def for_region(region: Region) -> QuerySet[Invoice]:
    return Invoice.objects.filter(region=region).select_related("plan").order_by("-issued_at", "-pk")


def get_for_region(region: Region, pk: int) -> Invoice:
    """One of the region's invoices (another region's gives BillingError, as a missing one does)."""
    invoice = for_region(region).filter(pk=pk).first()
    if invoice is None:
        raise BillingError(_("There is no such invoice."))
    return invoice


def _require_open(invoice: Invoice) -> None:
    if invoice.status == Invoice.Status.PAID:
        raise BillingError(_("Invoice %(number)s is already paid.") % {"number": invoice.number})
    if invoice.status != Invoice.Status.OPEN:
        raise BillingError(
            _("Invoice %(number)s is %(status)s: it cannot be paid.")
            % {"number": invoice.number, "status": invoice.get_status_display()}
        )


@transaction.atomic
def record_out_of_band_payment(
    invoice: Invoice,
    *,
    reference: str,
    paid_on: date,
    amount_received: int | None = None,
    actor: str,
) -> Invoice:
    """The operator records a treasury transfer: the invoice is paid, and its plan takes effect."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _require_open(invoice)
    reference = reference.strip()
    if not reference:
        raise BillingError(_("Give the treasury's reference (the SP2D number)."), "reference")
    if paid_on > timezone.localdate():
        raise BillingError(_("The payment date cannot be in the future."), "paid_on")
    if paid_on < invoice.issued_at.date():
        raise BillingError(_("The payment date cannot be before the invoice was issued."), "paid_on")
    if amount_received is not None and not 0 < amount_received <= invoice.total:
        raise BillingError(
            _("The amount received is more than 0 and at most the invoice's total."), "amount_received"
        )
    provider = get_provider()
    if provider is not None and invoice.provider_invoice_id:
        try:
            provider.mark_paid_out_of_band(invoice.provider_invoice_id)
        except ProviderFailure as exc:
            raise ProviderError(
                _("The payment service could not be told; the payment was not recorded. Try again later.")
            ) from exc
    invoice = payments.settle(
        invoice,
        method=Invoice.Method.OUT_OF_BAND,
        reference=reference,
        paid_on=paid_on,
        amount_received=amount_received,
    )
    audit_trail.record_platform(
        "billing.payment_recorded",
        actor=actor,
        subject=invoice.region,
        number=invoice.number,
        reference=reference,
        paid_on=paid_on.isoformat(),
    )
    return invoice


def card_payment_available() -> bool:
    """Whether a provider is configured, so that paying by card can work."""
    return get_provider() is not None


def start_card_checkout(invoice: Invoice, *, success_url: str, cancel_url: str) -> str:
    """The address of a card payment page for the invoice's total (the invoice is paid by the webhook)."""
    _require_open(invoice)
    provider = get_provider()
    if provider is None:
        raise ProviderError(
            _("Card payment is not available: pay by bank transfer to the account on the invoice.")
        )
    profile = BillingProfile.objects.filter(region_id=invoice.region_id).first()
    try:
        session = provider.create_checkout(
            customer_id=profile.provider_customer_id if profile else "",
            amount=invoice.total,
            description=invoice.description,
            ikd_number=invoice.number,
            success_url=success_url,
            cancel_url=cancel_url,
        )
    except ProviderFailure as exc:
        raise ProviderError(_("The card payment page could not be opened. Try again later.")) from exc
    # A region suspended for non-payment pays this way: the one row written is the invoice's (public
    # schema), an exemption tenants.readonly lists.
    with readonly.writes_allowed():
        Invoice.objects.filter(pk=invoice.pk).update(checkout_session_id=session.id)
    invoice.checkout_session_id = session.id
    return session.url


@transaction.atomic
def void(invoice: Invoice, *, actor: str, reason: str = "") -> Invoice:
    """Cancel an unpaid invoice (a wrong quote, a replaced order); paid ones are never voided."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _require_open(invoice)
    provider = get_provider()
    if provider is not None and invoice.provider_invoice_id:
        try:
            provider.void_invoice(invoice.provider_invoice_id)
        except ProviderFailure as exc:
            raise ProviderError(
                _("The payment service could not cancel the invoice. Try again later.")
            ) from exc
    invoice.status = Invoice.Status.VOID
    invoice.save(update_fields=["status"])
    region = Region.objects.get(pk=invoice.region_id)
    payments.lift_if_settled(region)
    audit_trail.record_platform(
        "billing.invoice_voided", actor=actor, subject=region, number=invoice.number, reason=reason.strip()
    )
    return invoice
