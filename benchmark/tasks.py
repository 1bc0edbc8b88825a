"""Background work of the benchmark: building the portal's default figures after a change."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from benchmark.services import national

logger = logging.getLogger(__name__)
PENDING = "benchmark:warm-pending"


@shared_task(name="benchmark.warm_portal")
def warm_portal() -> None:
    """Build what the portal shows first (every year's overview and ranking of the latest instrument)
    so that the first national viewer after a publication does not wait for it."""
    with schema_context(get_public_schema_name()):
        cache.delete(PENDING)  # a change from now on queues another run
        latest = national.resolve()
        for year in national.periods(latest.instrument):
            filters = national.resolve(latest.instrument, year)
            national.regions(filters)
            national.overview(filters)


def queue_warm_portal() -> None:
    """After a change commits: one pending run at a time, however many rounds a batch publishes. A
    broker that is down costs the warm-up, never the publication."""
    try:
        with schema_context(get_public_schema_name()):
            if cache.add(PENDING, 1, 300):
                warm_portal.delay()
    except Exception:  # the warm-up is an optimisation
        logger.warning("could not queue the benchmark warm-up", exc_info=True)
