"""The operator's view of billing: each region's contract and money, the year's revenue, the export rows.

A fixed number of queries whatever the number of regions (552): regions, their contracts, and invoice
sums grouped by region.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import Invoice, Subscription
from billing.services import catalogue
from tenants.models import Region


@dataclass(frozen=True)
class ConsoleRow:
    region_id: int
    region_code: str
    region_name: str
    plan_name: str
    status: str  # trial, active, overdue, suspended
    seats: int
    seats_used: int
    period_start: date | None
    period_end: date | None
    invoiced: int  # totals of the year's invoices, void ones excepted
    paid: int
    outstanding: int
    open_invoices: int


def rows(year: int) -> list[ConsoleRow]:
    today = timezone.localdate()
    trial = catalogue.trial_plan()
    subs: dict[int, Subscription] = {}
    for sub in (
        Subscription.objects.exclude(status=Subscription.Status.ENDED)
        .select_related("plan")
        .order_by("region_id", "period_start", "pk")
    ):
        subs[sub.region_id] = sub  # the latest one of each region
    sums: dict[int, dict[str, Any]] = {
        row["region_id"]: dict(row)
        for row in Invoice.objects.filter(issued_at__year=year)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.DRAFT])
        .values("region_id")
        .annotate(
            invoiced=Sum("total"),
            paid=Sum("total", filter=Q(status=Invoice.Status.PAID)),
            outstanding=Sum("total", filter=Q(status=Invoice.Status.OPEN)),
        )
    }
    open_invoices = Invoice.objects.filter(status=Invoice.Status.OPEN).values("region_id")
    open_counts = defaultdict(int, open_invoices.annotate(n=Count("pk")).values_list("region_id", "n"))
    overdue = defaultdict(
        int, open_invoices.filter(due_date__lt=today).annotate(n=Count("pk")).values_list("region_id", "n")
    )
    out = []
    for region in Region.objects.order_by("code"):
        contract = subs.get(region.pk)
        money: dict[str, Any] = sums.get(region.pk, {})
        if region.status == Region.Status.SUSPENDED:
            status = Subscription.Status.SUSPENDED
        elif overdue[region.pk]:
            status = Subscription.Status.OVERDUE
        elif contract is None or contract.is_trial:
            status = Subscription.Status.TRIAL
        else:
            status = Subscription.Status.ACTIVE
        out.append(
            ConsoleRow(
                region_id=region.pk,
                region_code=region.code,
                region_name=region.name,
                plan_name=contract.plan.name if contract else trial.name,
                status=str(status),
                seats=contract.seats if contract else (trial.max_participants or 0),
                seats_used=contract.seats_used if contract else 0,
                period_start=contract.period_start if contract else None,
                period_end=contract.period_end if contract else None,
                invoiced=money.get("invoiced") or 0,
                paid=money.get("paid") or 0,
                outstanding=money.get("outstanding") or 0,
                open_invoices=open_counts[region.pk],
            )
        )
    return out


def revenue_for_year(year: int) -> int:
    """Totals (PPN included) of the invoices paid in ``year``."""
    total = Invoice.objects.filter(status=Invoice.Status.PAID, paid_at__year=year).aggregate(s=Sum("total"))
    return int(total["s"] or 0)


def invoices_for_year(year: int) -> QuerySet[Invoice]:
    """Every invoice issued in ``year``, for the accounting export."""
    return (
        Invoice.objects.filter(issued_at__year=year)
        .select_related("region", "plan")
        .order_by("issued_at", "pk")
    )
