"""Billing fixtures: localstripe started once for the session (127.0.0.1, a free port), a Stripe double in
front of it, and a region with a complete billing profile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.billing.stripe_double import StripeDouble, start_localstripe

WEBHOOK_SECRET = "whsec_ikd_test"


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    proc, base = start_localstripe()
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def stripe_double(localstripe_url: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> StripeDouble:
    """Billing configured with Stripe, its requests going to localstripe and the recorded responses."""
    from billing import providers

    double = StripeDouble(localstripe_url)
    settings.STRIPE_SECRET_KEY = "sk_test_ikd"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    monkeypatch.setattr(providers, "http_client", double)
    return double


@pytest.fixture
def profiled_region(region_a: Any) -> Any:
    """Region A (approved, on trial) with its billing profile filled in."""
    from billing.services import subscriptions

    subscriptions.update_profile(
        region_a,
        legal_name="Pemerintah Kota Samarinda",
        contact_name="Siti Rahma",
        contact_email="keuangan@samarindakota.go.id",
        contact_phone="0541 123456",
        npwp="00.123.456.7-891.000",
        address="Jl. Kesuma Bangsa No. 1, Samarinda",
        ekatalog_number="EPURCH-2026-0001",
        actor="tests",
    )
    return region_a
