"""Stripe as IKD's billing provider: the only module that imports ``stripe``.

Choices, with their reasons:

- One-off invoices, not Stripe Subscriptions. A region buys an annual contract through the e-Katalog and
  its price, volume tier, discount and mid-year proration are computed by IKD in whole rupiah
  (``billing.money``); Stripe's own proration works in seconds and hundredths and would bill fractions of
  a rupiah, which Indonesian gateways refuse. So each IKD invoice is a Stripe invoice with its lines as
  invoice items, and IKD's ``Subscription`` is the contract.
- ``collection_method=send_invoice`` with ``days_until_due``: a treasury pays by transfer (SP2D), never
  by a card on file; a transfer received outside Stripe is recorded with ``pay(paid_out_of_band=True)``.
- PPN is an explicit exclusive TaxRate of 11 % (12 % on 11/12): Stripe Tax does not compute Indonesian
  tax for an Indonesian seller. Lines are whole hundreds of rupiah, so Stripe's tax equals IKD's.
- The customer carries the NPWP as tax id type ``id_npwp`` and the region code in its metadata; every
  invoice and checkout carries our invoice number in ``metadata.ikd_invoice``, which is how events are
  matched to IKD's rows.
- Card payment through a Checkout Session in ``payment`` mode for the invoice's total.
- Webhooks: ``stripe.Webhook.construct_event`` checks the signature with the configured tolerance.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import stripe
from django.utils import timezone

from billing import money
from billing.providers.base import (
    CheckoutPaid,
    CheckoutSession,
    CustomerData,
    InvalidWebhook,
    InvoiceLine,
    InvoiceUpdate,
    ProviderEvent,
    ProviderFailure,
    ProviderInvoice,
)

CURRENCY = "idr"
INVOICE_STATUSES = {"draft", "open", "paid", "void", "uncollectible"}
CHECKOUT_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}


def _plain(obj: Any) -> dict[str, Any]:
    """A response as a plain dict (stripe-python's objects refuse dict methods)."""
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else dict(obj)


def _get(obj: dict[str, Any], key: str, default: Any = None) -> Any:
    value = obj.get(key)
    return default if value is None else value


def _tax_of(invoice: dict[str, Any]) -> int:
    """The invoice's tax in hundredths, whichever field this API version fills."""
    taxes = _get(invoice, "total_taxes")
    if taxes:
        return sum(int(t.get("amount") or 0) for t in taxes)
    excluding = _get(invoice, "total_excluding_tax")
    if excluding is not None:
        return int(_get(invoice, "total", 0)) - int(excluding)
    return int(_get(invoice, "tax", 0))


def _invoice(response: Any) -> ProviderInvoice:
    obj = _plain(response)
    status = str(_get(obj, "status", "draft"))
    return ProviderInvoice(
        id=str(obj["id"]),
        status=status if status in INVOICE_STATUSES else "open",
        total=money.from_provider_amount(int(_get(obj, "total", 0))),
        tax=money.from_provider_amount(_tax_of(obj)),
        hosted_url=str(_get(obj, "hosted_invoice_url", "")),
        paid_out_of_band=bool(_get(obj, "paid_out_of_band", False)),
    )


class StripeProvider:
    name = "stripe"

    def __init__(
        self, api_key: str, *, api_base: str, webhook_secret: str, http_client: Any | None = None
    ) -> None:
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=http_client or stripe.new_default_http_client(timeout=20),
            max_network_retries=2,  # Stripe's idempotency keys make retried POSTs safe
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise ProviderFailure(
                f"stripe {what}: {exc.__class__.__name__}: {exc.user_message or exc}"
            ) from exc

    # --- customers and taxes ---

    def ensure_customer(self, customer: CustomerData, existing_id: str = "") -> str:
        params: dict[str, Any] = {
            "name": customer.legal_name,
            "email": customer.email,
            "phone": customer.phone or None,
            "address": {"line1": customer.address[:200], "country": "ID"},
            "preferred_locales": ["id"],
            "metadata": {"ikd_region": customer.region_code},
        }
        params = {k: v for k, v in params.items() if v is not None}
        if existing_id:
            self._call("customer update", self.client.v1.customers.update, existing_id, params=params)
            return existing_id
        created = self._call("customer", self.client.v1.customers.create, params=params)
        if customer.npwp:
            self._call(
                "tax id",
                self.client.v1.customers.tax_ids.create,
                created.id,
                params={"type": "id_npwp", "value": customer.npwp},
            )
        return str(created.id)

    def ensure_tax_rate(self, existing_id: str = "") -> str:
        if existing_id:
            return existing_id
        rate = self._call(
            "tax rate",
            self.client.v1.tax_rates.create,
            params={
                "display_name": "PPN",
                "description": "PPN 12% x DPP 11/12 (PMK 131/2024)",
                "jurisdiction": "ID",
                "percentage": float(money.EFFECTIVE_PPN_PERCENT),
                "inclusive": False,
            },
        )
        return str(rate.id)

    # --- invoices ---

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
        for line in lines:
            self._call(
                "invoice item",
                self.client.v1.invoice_items.create,
                params={
                    "customer": customer_id,
                    "amount": money.to_provider_amount(line.amount),
                    "currency": CURRENCY,
                    "description": line.description,
                    "metadata": {"ikd_invoice": ikd_number},
                },
            )
        days = max((due_date - timezone.localdate()).days, 1)
        draft = self._call(
            "invoice",
            self.client.v1.invoices.create,
            params={
                "customer": customer_id,
                "collection_method": "send_invoice",
                "days_until_due": days,
                "default_tax_rates": [tax_rate_id],
                "pending_invoice_items_behavior": "include",
                "auto_advance": False,
                "description": description,
                "metadata": {"ikd_invoice": ikd_number},
            },
            options={"idempotency_key": f"ikd-invoice-{ikd_number}"},
        )
        self._call("finalize", self.client.v1.invoices.finalize_invoice, draft.id)
        sent = self._call("send", self.client.v1.invoices.send_invoice, draft.id)
        return _invoice(sent)

    def mark_paid_out_of_band(self, invoice_id: str) -> ProviderInvoice:
        paid = self._call(
            "pay out of band", self.client.v1.invoices.pay, invoice_id, params={"paid_out_of_band": True}
        )
        return _invoice(paid)

    def void_invoice(self, invoice_id: str) -> ProviderInvoice:
        return _invoice(self._call("void", self.client.v1.invoices.void_invoice, invoice_id))

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
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": ["card"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": money.to_provider_amount(amount),
                        "product_data": {"name": description[:250]},
                    },
                }
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": "id",
            "metadata": {"ikd_invoice": ikd_number},
            "payment_intent_data": {"metadata": {"ikd_invoice": ikd_number}},
        }
        if customer_id:
            params["customer"] = customer_id
        session = self._call("checkout", self.client.v1.checkout.sessions.create, params=params)
        return CheckoutSession(id=str(session.id), url=str(session.url))

    # --- events ---

    def verify_webhook(self, payload: bytes, signature: str, *, tolerance: int) -> ProviderEvent:
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"), signature, self.webhook_secret, tolerance
            )
            data = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise InvalidWebhook(str(exc)) from exc
        if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
            raise InvalidWebhook("not an event")
        return self.event_from_payload(data)

    def event_from_payload(self, payload: dict[str, Any]) -> ProviderEvent:
        obj = (payload.get("data") or {}).get("object") or {}
        kind = str(payload["type"])
        metadata = obj.get("metadata") or {}
        invoice = None
        checkout = None
        if obj.get("object") == "invoice" and obj.get("id"):
            status = str(obj.get("status") or "")
            if status in INVOICE_STATUSES:
                invoice = InvoiceUpdate(
                    provider_invoice_id=str(obj["id"]),
                    status=status,
                    ikd_number=str(metadata.get("ikd_invoice", "")),
                    paid_out_of_band=bool(obj.get("paid_out_of_band")),
                    hosted_url=str(obj.get("hosted_invoice_url") or ""),
                )
        elif obj.get("object") == "checkout.session" and kind in CHECKOUT_EVENTS:
            checkout = CheckoutPaid(
                session_id=str(obj.get("id", "")),
                ikd_number=str(metadata.get("ikd_invoice", "")),
                paid=obj.get("payment_status") in {"paid", "no_payment_required"},
            )
        return ProviderEvent(
            id=str(payload["id"]),
            type=kind,
            created=int(payload.get("created") or 0),
            object_id=str(obj.get("id", "")),
            payload=payload,
            invoice=invoice,
            checkout=checkout,
        )
