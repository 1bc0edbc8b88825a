"""The accounting export of a year's invoices: one row per invoice, amounts as whole rupiah numbers.

Written through frontend.tabular (formula-safe) by the operator console; region names and references
are typed by people, so they go out as neutralised text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import Invoice
from billing.presenters import status_badge

HEADERS = (
    _("Invoice number"),
    _("Region code"),
    _("Region"),
    pgettext_lazy("billing", "Plan"),
    _("Seats"),
    _("Period from"),
    _("Period until"),
    _("Issued"),
    _("Due"),
    _("Status"),
    _("Price (Rp)"),
    _("Discount (Rp)"),
    _("Tax base, DPP (Rp)"),
    _("PPN (Rp)"),
    _("Total (Rp)"),
    _("Paid on"),
    _("Payment"),
    _("Payment reference (SP2D)"),
    _("Amount received (Rp)"),
    _("e-Katalog order or contract number"),
)


def invoice_rows(invoices: Iterable[Invoice]) -> list[list[object]]:
    rows: list[list[object]] = []
    for invoice in invoices:
        status = "overdue" if invoice.is_overdue else invoice.status
        profile = getattr(invoice.region, "billing_profile", None)
        rows.append(
            [
                invoice.number,
                invoice.region.code,
                invoice.region.name,
                invoice.plan.name,
                invoice.seats,
                invoice.period_start,
                invoice.period_end,
                timezone.localdate(invoice.issued_at),
                invoice.due_date,
                status_badge(status).label,
                invoice.subtotal,
                invoice.discount,
                invoice.tax_base,
                invoice.ppn,
                invoice.total,
                invoice.payment_date or (timezone.localdate(invoice.paid_at) if invoice.paid_at else None),
                invoice.get_payment_method_display() if invoice.payment_method else "",
                invoice.payment_reference,
                invoice.amount_received,
                profile.ekatalog_number if profile is not None else "",
            ]
        )
    return rows
