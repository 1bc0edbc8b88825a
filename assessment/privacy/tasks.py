"""The nightly retention run: one fan-out task in the public schema, one task per region in its schema.

Why two tasks: a region's deletions must run in its own schema (tenant-schemas-celery selects it from
the ``_schema_name`` header), and through ``tenants.task_base.RegionTask``, which reads the region's
status afresh when the task starts and does not run it for a read-only (suspended or closed) region.
The fan-out leaves read-only regions out already (no task queued only to be ignored), but the guard
that counts is the one at the start of the region's task: a region suspended between the two is not
touched. Each region's task is idempotent, so a task run twice, or cut short, does no harm.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.privacy.services import retention
from tenants.models import Region

logger = logging.getLogger(__name__)


@shared_task(name="privacy.apply_retention")
def apply_retention() -> dict[str, object]:
    """The retention periods of the region the task runs in (see ``services.retention``)."""
    report = retention.apply_retention()
    if report.changed:
        logger.info("Retention applied: %s", report)
    return {
        "answers_removed": report.answers_removed,
        "people_removed": report.people_removed,
        "uploads_emptied": report.uploads_emptied,
    }


def writable_regions() -> list[str]:
    """Schemas of the regions whose data may change now (not suspended, not closed)."""
    with schema_context(get_public_schema_name()):
        regions = Region.objects.only("schema_name", "status").order_by("code")
        return [region.schema_name for region in regions if not region.is_read_only]


@shared_task(name="privacy.apply_retention_everywhere")
def apply_retention_everywhere() -> int:
    """Queue each writable region's retention task; the number queued."""
    schemas = writable_regions()
    for schema in schemas:
        apply_retention.apply_async(headers={"_schema_name": schema})
    return len(schemas)
