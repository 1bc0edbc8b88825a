"""Background work of the benchmark: building what the portal shows after a change (``prebuild``)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from benchmark import prebuild
from benchmark.services import generation

logger = logging.getLogger(__name__)
PENDING = "benchmark:warm-pending"


@shared_task(name="benchmark.warm_portal")
def warm_portal() -> None:
    """Build the portal's pages of the current state so that the first viewer after a change finds them."""
    with schema_context(get_public_schema_name()):
        cache.delete(PENDING)  # a change from now on queues another run
        built = prebuild.build()
        switched = generation.built(built.generation, built.started)  # requests now read the state just built
        logger.info(
            "benchmark portal built: %d years, %d tables, %d files, %d profiles in %.2f s%s",
            built.years, built.tables, built.files, built.profiles, built.seconds,
            "" if switched else " (a later run was served first)",
        )  # fmt: skip


def queue_warm_portal(sender: Any = None, **kwargs: Any) -> None:
    """After a change commits (``generation.changed``): one pending run at a time, however many rounds a
    batch publishes. A broker that is down costs the warm-up, never the publication."""
    try:
        with schema_context(get_public_schema_name()):
            if cache.add(PENDING, 1, 300):
                try:
                    warm_portal.delay()
                except Exception:
                    cache.delete(PENDING)  # the next change tries again
                    generation.abandon(kwargs["value"])  # and requests build this one themselves
                    raise
    except Exception:  # the warm-up is an optimisation: requests build what it would have
        logger.warning("could not queue the benchmark warm-up", exc_info=True)
