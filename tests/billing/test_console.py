"""The operator's figures: each region's plan and status, the year's invoiced, paid and outstanding
amounts, revenue for the year and the invoices for the accounting export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from billing.models import Invoice
from billing.services import console, invoices, subscriptions
from tests.billing.contracts import as_trial


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_console_rows_revenue_and_export(profiled_region: Any, region_b: Any, settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    region = as_trial(profiled_region)
    as_trial(region_b)
    year = timezone.localdate().year
    paid = subscriptions.request_upgrade(region, "standar", 120, actor="admin")
    invoices.record_out_of_band_payment(
        paid, reference="SP2D-77", paid_on=timezone.localdate(), amount_received=7_500_000, actor="ops"
    )
    upgrade = subscriptions.request_upgrade(region, "profesional", 120, actor="admin")
    Invoice.objects.filter(pk=upgrade.pk).update(due_date=timezone.localdate() - timedelta(days=1))

    rows = {row.region_code: row for row in console.rows(year)}
    mine, other = rows[region.code], rows[region_b.code]
    assert (mine.plan_name, mine.status, mine.seats) == ("Standar", "overdue", 120)
    assert mine.invoiced == paid.total + upgrade.total
    assert (mine.paid, mine.outstanding, mine.open_invoices) == (paid.total, upgrade.total, 1)
    assert (other.plan_name, other.status, other.invoiced) == ("Uji Coba", "trial", 0)
    assert console.revenue_for_year(year) == paid.total == 7_992_000
    assert console.revenue_for_year(year - 1) == 0
    exported = list(console.invoices_for_year(year))
    assert [i.number for i in exported] == [paid.number, upgrade.number]
    assert exported[0].amount_received == 7_500_000  # net of the tax the treasury withheld
    invoices.void(upgrade, actor="ops", reason="Salah paket")
    row = next(r for r in console.rows(year) if r.region_code == region.code)
    assert (row.status, row.invoiced, row.outstanding) == ("active", paid.total, 0)
