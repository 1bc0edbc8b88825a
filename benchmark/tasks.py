"""Background work of the benchmark: building what the portal shows after a change (``prebuild``)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from benchmark import prebuild

logger = logging.getLogger(__name__)
PENDING = "benchmark:warm-pending"


@shared_task(name="benchmark.warm_portal")
def warm_portal() -> None:
    """Build the portal's pages of the current state so that the first viewer after a change finds them."""
    with schema_context(get_public_schema_name()):
        cache.delete(PENDING)  # a change from now on queues another run
        built = prebuild.build()
        logger.info(
            "benchmark portal built: %d years, %d tables, %d files, %d profiles in %.2f s",
            built.years, built.tables, built.files, built.profiles, built.seconds,
        )  # fmt: skip


def queue_warm_portal(sender: Any = None, **kwargs: Any) -> None:
    """After a change commits (``generation.changed``): one pending run at a time, however many rounds a
    batch publishes. A broker that is down costs the warm-up, never the publication."""
    try:
        with schema_context(get_public_schema_name()):
            if cache.add(PENDING, 1, 300):
                warm_portal.delay()
    except Exception:  # the warm-up is an optimisation
        logger.warning("could not queue the benchmark warm-up", exc_info=True)
