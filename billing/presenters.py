"""What the billing pages and the invoice PDF show, made from the services' results: labels, badges,
price examples and the printed invoice's data. No rule of billing lives here; only presentation.

Why a module of its own: the pricing page, the region's pages and the operator console show the same
badges and the same price lines, and the PDF needs the invoice as plain data (billing.invoices_pdf).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from billing import invoices_pdf, money
from billing.models import BillingProfile, Invoice
from billing.services import catalogue

STATUS_LABELS: dict[str, Promise] = {
    # a region's billing status (subscriptions.billing_status)
    "trial": _("Trial"),
    "active": _("Active"),
    "overdue": _("Overdue"),
    "suspended": _("Suspended"),
    "ended": _("Ended"),
    # an invoice's
    "draft": _("Draft"),
    "open": _("Awaiting payment"),
    "paid": _("Paid"),
    "void": _("Cancelled"),
    "uncollectible": _("Uncollectible"),
}
# Badge classes (frontend's ikd.css has trial/active/suspended; billing.css the rest).
BADGES = {"trial": "trial", "active": "active", "overdue": "overdue", "suspended": "suspended"}


@dataclass(frozen=True)
class Badge:
    css: str
    label: str


def status_badge(status: str) -> Badge:
    return Badge(css=BADGES.get(status, status), label=str(STATUS_LABELS.get(status, status)))


@dataclass(frozen=True)
class TierLine:
    min_seats: int
    max_seats: int | None
    unit_price: int


@dataclass(frozen=True)
class Example:
    """What a plan costs for a number of employees: a year's price, PPN and the total."""

    seats: int
    unit_price: int
    amounts: money.Amounts


@dataclass(frozen=True)
class Offer:
    code: str
    name: str
    kind: str
    description: str
    max_participants: int | None
    max_rounds: int | None
    tiers: tuple[TierLine, ...]
    example: Example | None

    @property
    def is_trial(self) -> bool:
        return self.kind == "trial"

    @property
    def from_price(self) -> int | None:
        """The lowest price per employee per year (the largest tier's)."""
        return min((tier.unit_price for tier in self.tiers), default=None)


def plan_offers(seats: int | None = None) -> list[Offer]:
    """The public catalogue, each paid plan priced for ``seats`` employees when given."""
    offers = []
    paid = {plan.code: plan for plan in catalogue.paid_plans()}
    for offer in catalogue.public_plans():
        example = None
        plan = paid.get(offer.code)
        if seats and plan is not None:
            unit_price = catalogue.unit_price(plan, seats)
            example = Example(
                seats=seats, unit_price=unit_price, amounts=money.amounts(catalogue.annual_price(plan, seats))
            )
        offers.append(
            Offer(
                code=offer.code,
                name=offer.name,
                kind=str(offer.kind),
                description=offer.description,
                max_participants=offer.max_participants,
                max_rounds=offer.max_rounds,
                tiers=tuple(TierLine(t.min_seats, t.max_seats, t.unit_price) for t in offer.tiers),
                example=example,
            )
        )
    return offers


# --- the printed invoice -----------------------------------------------------------------------------

PRINTED_STATUS = {
    "draft": "Draf",
    "open": "Belum dibayar",
    "overdue": "Belum dibayar, lewat jatuh tempo",
    "paid": "Lunas",
    "void": "Dibatalkan",
    "uncollectible": "Tidak tertagih",
}


def seller() -> invoices_pdf.Party:
    """The platform's operator as the invoices name it (settings, from the environment)."""
    return invoices_pdf.Party(
        name=settings.BILLING_SELLER_NAME,
        npwp=settings.BILLING_SELLER_NPWP,
        address=settings.BILLING_SELLER_ADDRESS,
        contact=settings.BILLING_SELLER_EMAIL,
    )


def _local_date(moment: object) -> date | None:
    if moment is None:
        return None
    return timezone.localdate(moment)  # type: ignore[arg-type]


def _unit_price(invoice: Invoice) -> int | None:
    """The price per employee, when the invoice is a whole year of one tier (a prorated one is not)."""
    if invoice.prorated or not invoice.seats or invoice.subtotal % invoice.seats:
        return None
    return invoice.subtotal // invoice.seats


def invoice_document(invoice: Invoice, profile: BillingProfile) -> invoices_pdf.InvoiceDocument:
    status = "overdue" if invoice.is_overdue else invoice.status
    contact = ", ".join(part for part in (profile.contact_name, profile.contact_email) if part)
    notes = []
    if invoice.status == Invoice.Status.OPEN:
        account = settings.BILLING_SELLER_BANK_ACCOUNT
        notes.append(
            "Pembayaran melalui transfer bank dari kas daerah (SP2D)"
            + (f" ke rekening {account}" if account else "")
            + f". Cantumkan nomor tagihan {invoice.number} pada keterangan transfer."
        )
    if invoice.prorated:
        notes.append("Tagihan ini dihitung secara proporsional untuk sisa masa kontrak.")
    return invoices_pdf.InvoiceDocument(
        number=invoice.number,
        status=PRINTED_STATUS.get(status, status),
        issued_on=_local_date(invoice.issued_at),
        due_on=invoice.due_date,
        seller=seller(),
        buyer=invoices_pdf.Party(
            name=profile.legal_name or invoice.region.name,
            npwp=profile.npwp,
            address=profile.address,
            contact=contact,
        ),
        lines=[
            invoices_pdf.Line(
                description=invoice.description,
                quantity=invoice.seats,
                unit_price=_unit_price(invoice),
                amount=invoice.subtotal,
            )
        ],
        subtotal=invoice.subtotal,
        discount=invoice.discount,
        price=invoice.net,
        tax_base=invoice.tax_base,
        ppn=invoice.ppn,
        total=invoice.total,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        ekatalog_number=profile.ekatalog_number,
        paid_on=invoice.payment_date or _local_date(invoice.paid_at),
        payment_reference=invoice.payment_reference,
        notes=tuple(notes),
    )
