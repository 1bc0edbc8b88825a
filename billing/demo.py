"""Demo data: Kukar is a paying customer (Standar, 12.500 seats, the current contract year), so the
demo's rounds of 10.303 and 12.500 employees open as they would for the real regency."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from billing.models import Subscription
from billing.services import subscriptions

SEATS = 12_500


def seed(region: Any, stdout: Any = None) -> None:
    if Subscription.objects.filter(region=region).exclude(plan__kind="trial").exists():
        return
    today = timezone.localdate()
    subscriptions.seed_contract(region, "standar", SEATS, start=today.replace(month=1, day=1), actor="demo")
    subscriptions.update_profile(
        region,
        legal_name="Pemerintah Kabupaten Kutai Kartanegara",
        contact_name="Bidang Anggaran BKPSDM",
        contact_email="keuangan@kukarkab.go.id",
        contact_phone="0541 661 000",
        npwp="00.123.456.7-722.000",
        address="Jl. Wolter Monginsidi No. 1, Tenggarong, Kutai Kartanegara, Kalimantan Timur",
        ekatalog_number="",
        actor="demo",
    )
