"""Background work of the people app: committing a checked import."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from assessment.people.models import ImportJob
from assessment.people.services import importing

logger = logging.getLogger(__name__)


def progress_key(job_id: str) -> str:
    return f"people:import:{job_id}:progress"


@shared_task(name="people.commit_import")
def commit_import(job_id: str) -> str:
    """Apply a checked import in one transaction and record the outcome (in the region's schema)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state not in {ImportJob.State.QUEUED, ImportJob.State.RUNNING}:
        return job.state  # already handled (a redelivered task)
    job.state = ImportJob.State.RUNNING
    job.save(update_fields=["state"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job_id), (done, total), timeout=3600)

    try:
        plan = importing.check(
            bytes(job.content),
            job.filename,
            create_units=job.create_units,
            deactivate_missing=job.deactivate_missing,
        )
        job.total = len(plan.new) + len(plan.changed) + len(plan.deactivated)
        if plan.rejected:
            job.state, job.errors = ImportJob.State.REJECTED, plan.error_list()
        else:
            importing.apply_plan(plan, progress)
            job.state, job.progress, job.content = ImportJob.State.DONE, job.total, b""
        job.summary = plan.summary()
    except Exception as exc:  # the transaction rolled back: say so, keep the file for another try
        logger.exception("Import %s failed", job_id)
        job.state, job.failure = ImportJob.State.FAILED, str(exc)[:2000]
    job.finished_at = timezone.now()
    job.save()
    return job.state
