"""The payment provider IKD bills through, chosen from settings; ``None`` when none is configured.

Without a provider (no ``STRIPE_SECRET_KEY``), invoices exist in IKD only: they are issued as PDFs and
paid by treasury transfer, which the operator records; card payment is then not offered. Tests set
``http_client`` to answer from localstripe and recorded responses.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from billing.providers.base import BillingProvider

# The HTTP client the Stripe provider uses (None: stripe-python's default); tests replace it.
http_client: Any | None = None


def get_provider() -> BillingProvider | None:
    if not settings.STRIPE_SECRET_KEY:
        return None
    from billing.providers.stripe_provider import StripeProvider

    return StripeProvider(
        settings.STRIPE_SECRET_KEY,
        api_base=settings.STRIPE_API_BASE,
        webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        http_client=http_client,
    )
