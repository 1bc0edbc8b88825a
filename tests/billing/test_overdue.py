"""Overdue: reminders once each, read-only after the grace through the tenants' suspension, payment
lifts it at once; a trial that did not pay keeps its trial; an operator's suspension is not billing's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from billing.models import Invoice, InvoiceReminder, Subscription
from billing.services import invoices, overdue, subscriptions
from billing.tasks import check_overdue
from tenants.models import Region, RegionStatusChange
from tenants.services import status as region_status
from tests.billing.contracts import as_trial


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are checked in English here (the pages' Indonesian is checked elsewhere)."""
    with translation.override("en"):
        yield


def _paying_region_with_open_upgrade(region: Any, settings: Any) -> Invoice:
    """A region paid up for this year that was then invoiced for more seats, 30 days ago."""
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(region)
    start = timezone.localdate() - timedelta(days=120)
    first = subscriptions.request_upgrade(region, "standar", 200, actor="admin", on=start)
    invoices.record_out_of_band_payment(
        first, reference="SP2D-1", paid_on=timezone.localdate(), amount_received=None, actor="ops"
    )
    Invoice.objects.filter(pk=first.pk).update(issued_at=timezone.now() - timedelta(days=120))
    return subscriptions.request_upgrade(
        region, "standar", 400, actor="admin", on=timezone.localdate() - timedelta(days=30)
    )


def test_overdue_reminders_then_read_only_then_payment_lifts_it(profiled_region: Any, settings: Any) -> None:
    settings.BILLING_GRACE_DAYS = 45
    settings.BILLING_REMINDER_DAYS = [-7, 0, 7, 30]
    invoice = _paying_region_with_open_upgrade(profiled_region, settings)
    region = Region.objects.get(pk=profiled_region.pk)
    assert region.status == Region.Status.ACTIVE
    due = invoice.due_date

    # A week before: the first reminder, once, to the billing contact.
    assert overdue.run(due - timedelta(days=7)) == overdue.OverdueReport(reminded=1, suspended=0)
    assert overdue.run(due - timedelta(days=6)) == overdue.OverdueReport(reminded=0, suspended=0)
    assert mail.outbox[-1].to == ["keuangan@samarindakota.go.id"]
    assert invoice.number in mail.outbox[-1].subject
    # Missed days send the latest reminder only, not a burst.
    assert overdue.run(due + timedelta(days=8)).reminded == 1
    assert set(InvoiceReminder.objects.filter(invoice=invoice).values_list("kind", flat=True)) == {
        "due-7",
        "due+7",
    }
    assert subscriptions.billing_status(region, on=due + timedelta(days=8)) == "overdue"
    notice = subscriptions.overdue_notice(region, on=due + timedelta(days=8))
    assert notice is not None
    assert notice.read_only_from == due + timedelta(days=45)
    # Within the grace nothing is blocked.
    assert overdue.run(due + timedelta(days=45)).suspended == 0
    assert Region.objects.get(pk=region.pk).status == Region.Status.ACTIVE

    report = overdue.run(due + timedelta(days=46))

    assert report.suspended == 1
    region.refresh_from_db()
    assert (region.status, region.status_reason) == (Region.Status.SUSPENDED, "Tagihan belum dibayar")
    assert region.is_read_only  # the tenants' read-only mechanism applies from now on
    change = RegionStatusChange.objects.filter(region=region).latest("pk")
    assert (change.new_status, change.actor) == (Region.Status.SUSPENDED, "billing")
    sub = subscriptions.current(region)
    assert sub.suspended_for_nonpayment
    assert sub.status == Subscription.Status.SUSPENDED
    assert "read-only" in mail.outbox[-1].subject or "hanya dapat dibaca" in mail.outbox[-1].subject.lower()
    assert Invoice.objects.filter(region=region).count() == 2  # nothing deleted
    assert overdue.run(due + timedelta(days=47)).suspended == 0  # once

    invoices.record_out_of_band_payment(
        invoice,
        reference="SP2D-0099/BKAD/2026",
        paid_on=timezone.localdate(),
        amount_received=None,
        actor="ops",
    )

    region.refresh_from_db()
    assert (region.status, region.status_reason) == (Region.Status.ACTIVE, "")
    sub = subscriptions.current(region)
    assert (sub.status, sub.suspended_for_nonpayment, sub.seats) == (Subscription.Status.ACTIVE, False, 400)
    assert subscriptions.billing_status(region) == "active"


def test_an_operators_suspension_is_not_lifted_by_payment(profiled_region: Any, settings: Any) -> None:
    invoice = _paying_region_with_open_upgrade(profiled_region, settings)
    region_status.suspend(Region.objects.get(pk=profiled_region.pk), actor="ops@ikd.go.id", reason="Audit")
    assert overdue.run(invoice.due_date + timedelta(days=100)).suspended == 0
    invoices.record_out_of_band_payment(
        invoice, reference="SP2D-7", paid_on=timezone.localdate(), amount_received=None, actor="ops"
    )
    region = Region.objects.get(pk=profiled_region.pk)
    assert (region.status, region.status_reason) == (Region.Status.SUSPENDED, "Audit")


def test_a_trial_that_did_not_pay_keeps_its_trial(profiled_region: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(profiled_region)
    invoice = subscriptions.request_upgrade(region, "standar", 50, actor="admin")
    report = overdue.run(invoice.due_date + timedelta(days=400))
    assert report == overdue.OverdueReport(reminded=1, suspended=0)
    assert Region.objects.get(pk=region.pk).status == Region.Status.TRIAL
    assert subscriptions.current(region).is_trial


def test_the_beat_task_runs_the_overdue_round(db: Any) -> None:
    assert check_overdue.run() == "reminded 0, made read-only 0"
    assert "billing-overdue" in __import__("django.conf").conf.settings.CELERY_BEAT_SCHEDULE


def test_grace_comes_from_settings(profiled_region: Any, settings: Any) -> None:
    settings.BILLING_GRACE_DAYS = 5
    invoice = _paying_region_with_open_upgrade(profiled_region, settings)
    assert overdue.run(invoice.due_date + timedelta(days=5)).suspended == 0
    assert overdue.run(invoice.due_date + timedelta(days=6)).suspended == 1
    assert isinstance(invoice.due_date, date)
