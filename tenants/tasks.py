"""Background work of the tenants app."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from tenants.services import provisioning


@shared_task(name="tenants.replenish_schema_pool")
def replenish_schema_pool() -> int:
    """Top the pool of spare schemas up again after a signup took one (one worker at a time)."""
    if not cache.add("tenants:replenishing", 1, timeout=600):
        return 0
    try:
        provisioning.discard_stale_spares()
        return provisioning.fill_pool()
    finally:
        cache.delete("tenants:replenishing")
