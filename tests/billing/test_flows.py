"""Trial to paid by invoice, paid out of band, card checkout, prorated upgrade, discount and extension,
against localstripe with recorded responses for what it lacks (tests/billing/stripe_double.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from billing.models import BillingProfile, Invoice, Subscription
from billing.services import catalogue, events, invoices, subscriptions
from billing.services.errors import BillingError, ProviderError
from tenants.models import Region
from tests.billing.contracts import as_trial
from tests.billing.stripe_double import StripeDouble


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are checked in English here (the pages' Indonesian is checked elsewhere)."""
    with translation.override("en"):
        yield


def _paid_by_treasury(invoice: Invoice, reference: str = "SP2D-0042/BKAD/2026") -> Invoice:
    return invoices.record_out_of_band_payment(
        invoice,
        reference=reference,
        paid_on=timezone.localdate(),
        amount_received=None,
        actor="ops@ikd.go.id",
    )


def test_trial_to_paid_by_invoice_on_stripe(profiled_region: Any, stripe_double: StripeDouble) -> None:
    region = as_trial(profiled_region)
    assert subscriptions.current(region).is_trial
    assert subscriptions.current(region).pk is None

    invoice = subscriptions.request_upgrade(region, "standar", 1200, actor="admin@samarindakota.go.id")

    # 1.200 seats fall in the 1.000-4.999 tier: Rp 50.000 each, PPN 11 %.
    assert (invoice.kind, invoice.seats, invoice.subtotal) == (Invoice.Kind.NEW, 1200, 60_000_000)
    assert (invoice.ppn, invoice.total) == (6_600_000, 66_600_000)
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.number == f"IKD/{timezone.localdate().year}/00001"
    assert invoice.due_date == timezone.localdate() + timedelta(days=30)
    # What Stripe was asked: a customer with the NPWP as id_npwp, an explicit PPN rate, a line in
    # hundredths, and an invoice sent for payment by transfer, not charged.
    (tax_id,) = stripe_double.sent("post", "/v1/customers/")
    assert tax_id == {"type": "id_npwp", "value": "001234567891000"}
    (rate,) = stripe_double.sent("post", "/v1/tax_rates")
    assert (rate["percentage"], rate["inclusive"], rate["display_name"]) == ("11.0", "false", "PPN")
    (item,) = stripe_double.sent("post", "/v1/invoiceitems")
    assert (item["amount"], item["currency"]) == ("6000000000", "idr")
    (created,) = [p for p in stripe_double.sent("post", "/v1/invoices") if "customer" in p]
    assert created["collection_method"] == "send_invoice"
    assert created["days_until_due"] == "30"
    assert created["metadata[ikd_invoice]"] == invoice.number
    assert stripe_double.sent("post", f"/v1/invoices/{invoice.provider_invoice_id}/send")
    remote = stripe_double.invoices[invoice.provider_invoice_id]
    assert remote["total"] == invoice.total * 100
    assert remote["status"] == "open"
    assert invoice.provider_hosted_url.startswith("https://invoice.stripe.com/")
    # Nothing takes effect before the money arrives.
    assert subscriptions.current(region).is_trial
    assert Region.objects.get(pk=region.pk).status == Region.Status.TRIAL

    paid = _paid_by_treasury(invoice)

    assert (paid.status, paid.payment_method) == (Invoice.Status.PAID, Invoice.Method.OUT_OF_BAND)
    assert paid.payment_reference == "SP2D-0042/BKAD/2026"
    assert stripe_double.invoices[invoice.provider_invoice_id]["paid_out_of_band"] is True
    sub = subscriptions.current(region)
    assert (sub.plan.code, sub.seats, sub.status) == ("standar", 1200, Subscription.Status.ACTIVE)
    assert (sub.period_start, sub.period_end) == (invoice.period_start, invoice.period_end)
    assert Region.objects.get(pk=region.pk).status == Region.Status.ACTIVE
    assert subscriptions.billing_status(region) == "active"
    with pytest.raises(BillingError, match="already paid"):
        _paid_by_treasury(paid)


def test_without_a_provider_invoices_live_in_ikd(profiled_region: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(profiled_region)
    invoice = subscriptions.request_upgrade(region, "profesional", 80, actor="admin")
    assert invoice.provider_invoice_id == ""
    assert invoice.total == 80 * 90_000 * 111 // 100
    assert not invoices.card_payment_available()
    with pytest.raises(ProviderError):
        invoices.start_card_checkout(invoice, success_url="https://x/ok", cancel_url="https://x/no")
    _paid_by_treasury(invoice)
    assert subscriptions.current(region).plan.code == "profesional"


def test_upgrade_needs_approval_a_complete_profile_and_one_open_invoice(region_a: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(region_a)
    with pytest.raises(BillingError) as missing:
        subscriptions.request_upgrade(region, "standar", 10, actor="admin")
    assert missing.value.field == "legal_name"
    with pytest.raises(BillingError) as bad_npwp:
        subscriptions.update_profile(
            region,
            legal_name="Pemkot",
            contact_name="A",
            contact_email="a@b.go.id",
            npwp="12.345",
            address="Jl. 1",
            actor="admin",
        )
    assert bad_npwp.value.field == "npwp"
    subscriptions.update_profile(
        region,
        legal_name="Pemkot",
        contact_name="A",
        contact_email="a@b.go.id",
        npwp="0012345678910001",
        address="Jl. 1",
        actor="admin",
    )
    assert BillingProfile.objects.get(region=region).npwp_display == "0012 3456 7891 0001"
    first = subscriptions.request_upgrade(region, "standar", 10, actor="admin")
    with pytest.raises(BillingError, match=first.number.replace("/", ".")):
        subscriptions.request_upgrade(region, "standar", 20, actor="admin")
    Region.objects.filter(pk=region.pk).update(approval=Region.Approval.PENDING)
    invoices.void(first, actor="ops")
    with pytest.raises(BillingError):
        subscriptions.request_upgrade(Region.objects.get(pk=region.pk), "standar", 20, actor="admin")


def test_provider_failure_saves_nothing(profiled_region: Any, stripe_double: StripeDouble) -> None:
    region = as_trial(profiled_region)
    stripe_double.fail_next.add("/v1/invoiceitems")
    with pytest.raises(ProviderError):
        subscriptions.request_upgrade(region, "standar", 100, actor="admin")
    assert not Invoice.objects.filter(region=region).exists()
    # The number was not used up: the next invoice takes it.
    invoice = subscriptions.request_upgrade(region, "standar", 100, actor="admin")
    assert invoice.number.endswith("/00001")


def test_card_checkout_paid_through_the_webhook_event(
    profiled_region: Any, stripe_double: StripeDouble
) -> None:
    region = as_trial(profiled_region)
    invoice = subscriptions.request_upgrade(region, "standar", 150, actor="admin")
    url = invoices.start_card_checkout(
        invoice, success_url="https://samarinda.ikd.test/tagihan/", cancel_url="https://samarinda.ikd.test/"
    )
    invoice.refresh_from_db()
    assert url.startswith("https://checkout.stripe.com/")
    assert invoice.checkout_session_id
    (sent,) = stripe_double.sent("post", "/v1/checkout/sessions")
    assert sent["line_items[0][price_data][unit_amount]"] == str(invoice.total * 100)
    assert sent["line_items[0][price_data][currency]"] == "idr"
    assert sent["mode"] == "payment"

    session = dict(
        stripe_double.sessions[invoice.checkout_session_id], payment_status="paid", status="complete"
    )
    stored = events.receive(stripe_double_event(stripe_double, "checkout.session.completed", session))
    assert events.process(stored.event_id) == "paid by card"

    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_method) == (Invoice.Status.PAID, Invoice.Method.CARD)
    # The Stripe invoice is closed too, as paid outside it.
    assert stripe_double.invoices[invoice.provider_invoice_id]["status"] == "paid"
    assert subscriptions.current(region).seats == 150


def stripe_double_event(
    double: StripeDouble, kind: str, obj: dict[str, Any], created: int | None = None
) -> Any:
    from billing.providers import get_provider

    provider = get_provider()
    assert provider is not None
    return provider.event_from_payload(double.event(kind, obj, created=created))


def test_mid_year_upgrade_is_prorated(profiled_region: Any, stripe_double: StripeDouble) -> None:
    region = as_trial(profiled_region)
    start = date(2026, 1, 1)
    first = subscriptions.request_upgrade(region, "standar", 800, actor="admin", on=start)
    assert first.period_end == date(2026, 12, 31)
    assert first.subtotal == 800 * 60_000
    _paid_by_treasury(first)

    # On 1 July (184 of 365 days left) the region goes to 1.500 seats: Rp 50.000 tier.
    quote = subscriptions.quote(region, "standar", 1500, on=date(2026, 7, 1))
    assert quote.prorated
    assert (quote.days, quote.period_days) == (184, 365)
    difference = 1500 * 50_000 - 800 * 60_000  # 27.000.000 a year
    assert quote.amounts.subtotal == round(difference * 184 / 365 / 100) * 100 == 13_611_000
    upgrade = subscriptions.request_upgrade(region, "standar", 1500, actor="admin", on=date(2026, 7, 1))
    assert upgrade.kind == Invoice.Kind.UPGRADE
    assert upgrade.prorated
    assert upgrade.subtotal == 13_611_000
    assert upgrade.ppn == 1_497_210
    assert upgrade.total == 15_108_210
    assert stripe_double.invoices[upgrade.provider_invoice_id]["total"] == upgrade.total * 100
    assert (upgrade.period_start, upgrade.period_end) == (date(2026, 7, 1), date(2026, 12, 31))
    _paid_by_treasury(upgrade)
    sub = subscriptions.current(region, on=date(2026, 7, 2))
    assert (sub.seats, sub.period_end) == (1500, date(2026, 12, 31))
    assert Subscription.objects.filter(region=region, status=Subscription.Status.ACTIVE).count() == 1
    # Fewer seats or the same price is not an upgrade.
    with pytest.raises(BillingError, match="renewal"):
        subscriptions.quote(region, "standar", 1400, on=date(2026, 8, 1))


def test_discount_and_extension_by_the_operator(profiled_region: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(profiled_region)
    subscriptions.grant_discount(region, 20, actor="ops@ikd.go.id", reason="Pilot provinsi")
    invoice = subscriptions.request_upgrade(region, "standar", 100, actor="admin")
    assert (invoice.subtotal, invoice.discount, invoice.net) == (6_000_000, 1_200_000, 4_800_000)
    assert invoice.total == 4_800_000 + 528_000
    due = invoice.due_date
    sub = subscriptions.grant_extension(region, 30, actor="ops@ikd.go.id", reason="Anggaran perubahan")
    invoice.refresh_from_db()
    assert invoice.due_date == due + timedelta(days=30)
    assert sub.period_end == subscriptions.year_after(sub.period_start) + timedelta(days=30)
    with pytest.raises(BillingError) as no_reason:
        subscriptions.grant_discount(region, 10, actor="ops", reason=" ")
    assert no_reason.value.field == "reason"


def test_catalogue_is_data_with_volume_tiers(db: Any) -> None:
    offers = catalogue.public_plans()
    assert [o.code for o in offers] == ["uji-coba", "standar", "profesional"]
    trial, standard = offers[0], offers[1]
    assert (trial.max_participants, trial.max_rounds, trial.tiers) == (100, 1, ())
    assert [(t.min_seats, t.max_seats, t.unit_price) for t in standard.tiers] == [
        (1, 999, 60_000),
        (1000, 4999, 50_000),
        (5000, 19999, 40_000),
        (20000, None, 30_000),
    ]
    plan = catalogue.get_plan("standar")
    assert catalogue.annual_price(plan, 999) == 999 * 60_000
    assert catalogue.annual_price(plan, 12_500) == 12_500 * 40_000
    catalogue.save_plan("standar", name="Standar", tiers=[(1, 55_000), (2000, 45_000)], actor="ops@ikd.go.id")
    assert catalogue.annual_price(catalogue.get_plan("standar"), 1500) == 1500 * 55_000
    with pytest.raises(BillingError) as bad:
        catalogue.save_plan("standar", name="Standar", tiers=[(1, 55_050)], actor="ops")
    assert bad.value.field == "tiers"


def test_renewal_for_the_next_contract_year(profiled_region: Any, stripe_double: StripeDouble) -> None:
    region = as_trial(profiled_region)
    with pytest.raises(BillingError, match="paid contract"):
        subscriptions.request_renewal(region, actor="admin")
    first = subscriptions.request_upgrade(region, "standar", 900, actor="admin", on=date(2026, 1, 1))
    _paid_by_treasury(first)
    subscriptions.grant_discount(region, 10, actor="ops", reason="Kontrak multi-tahun")

    renewal = subscriptions.request_renewal(region, actor="admin", seats=1000, on=date(2026, 11, 15))

    assert (renewal.kind, renewal.period_start, renewal.period_end) == (
        Invoice.Kind.RENEWAL,
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert (renewal.subtotal, renewal.discount) == (1000 * 50_000, 5_000_000)
    assert renewal.total == 45_000_000 + 4_950_000
    assert stripe_double.invoices[renewal.provider_invoice_id]["total"] == renewal.total * 100
    with pytest.raises(BillingError, match="awaiting payment"):
        subscriptions.request_renewal(region, actor="admin", on=date(2026, 11, 16))
    _paid_by_treasury(renewal)
    this_year = subscriptions.current(region, on=date(2026, 12, 1))
    next_year = subscriptions.current(region, on=date(2027, 2, 1))
    assert (this_year.seats, this_year.status) == (900, Subscription.Status.ACTIVE)
    assert (next_year.seats, next_year.period_start, next_year.discount_percent) == (
        1000,
        date(2027, 1, 1),
        10,
    )
