"""What billing asks of a payment provider, in IKD's terms: the one seam between IKD and a gateway.

IKD keeps amounts, taxes and statuses; a provider is told what to bill and reports what happened, as
plain frozen dataclasses, so the services never see a Stripe object. A local gateway (Xendit, Midtrans)
would be another implementation of ``BillingProvider`` chosen in ``billing.providers.get_provider``;
views and services would not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class CustomerData:
    region_code: str
    legal_name: str
    email: str
    phone: str
    address: str
    npwp: str  # digits


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: int  # rupiah, before PPN


@dataclass(frozen=True)
class ProviderInvoice:
    id: str
    status: str  # IKD's Invoice.Status value: draft, open, paid, void, uncollectible
    total: int  # rupiah, as the provider computed it (with PPN)
    tax: int
    hosted_url: str = ""
    paid_out_of_band: bool = False


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class InvoiceUpdate:
    """An invoice's state as an event reports it."""

    provider_invoice_id: str
    status: str  # IKD's Invoice.Status value
    ikd_number: str  # our invoice number, from the metadata we set ("" when not ours)
    paid_out_of_band: bool
    hosted_url: str


@dataclass(frozen=True)
class CheckoutPaid:
    session_id: str
    ikd_number: str
    paid: bool


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str
    created: int  # epoch seconds
    object_id: str
    payload: dict[str, Any] = field(repr=False)
    invoice: InvoiceUpdate | None = None
    checkout: CheckoutPaid | None = None


class InvalidWebhook(ValueError):
    """A webhook whose signature is wrong or whose timestamp is outside the tolerance."""


class ProviderFailure(RuntimeError):
    """The provider could not be reached or refused; the message is technical (logged, not shown)."""


class BillingProvider(Protocol):
    name: str

    def ensure_customer(self, customer: CustomerData, existing_id: str = "") -> str:
        """The provider's customer id for the region (created, or updated when it exists)."""
        ...

    def ensure_tax_rate(self, existing_id: str = "") -> str:
        """The id of the explicit PPN tax rate (11 % effective, exclusive)."""
        ...

    def issue_invoice(
        self,
        customer_id: str,
        lines: list[InvoiceLine],
        *,
        tax_rate_id: str,
        due_date: date,
        ikd_number: str,
        description: str,
    ) -> ProviderInvoice:
        """Create, finalize and send an invoice payable by bank transfer until ``due_date``."""
        ...

    def mark_paid_out_of_band(self, invoice_id: str) -> ProviderInvoice: ...

    def void_invoice(self, invoice_id: str) -> ProviderInvoice: ...

    def create_checkout(
        self,
        *,
        customer_id: str,
        amount: int,
        description: str,
        ikd_number: str,
        success_url: str,
        cancel_url: str,
    ) -> CheckoutSession:
        """A hosted card payment page for ``amount`` rupiah (PPN included)."""
        ...

    def verify_webhook(self, payload: bytes, signature: str, *, tolerance: int) -> ProviderEvent:
        """The event, or ``InvalidWebhook``."""
        ...

    def event_from_payload(self, payload: dict[str, Any]) -> ProviderEvent:
        """An already verified, stored event read again (for processing in the worker)."""
        ...
