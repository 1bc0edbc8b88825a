"""Background work of the people app: checking an uploaded register, then committing it.

Both read an untrusted upload, so neither runs in a web request: the request stores the file and queues
``check_import``; the admin confirms and ``commit_import`` reads it again against the register as it is
then. Reading happens in a child process within ``importing.PARSE_CPU_SECONDS`` and ``PARSE_MEMORY``; the
Celery soft and hard time limits below bound the whole task as well (they take effect in the prefork pool,
the production one). A soft limit leaves the job failed with a message; nothing is saved by either task
unless the whole file is applied in one transaction.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from assessment.people.models import ImportJob
from assessment.people.services import importing
from audit import services as audit_trail

logger = logging.getLogger(__name__)

# Reading takes at most PARSE_WALL_SECONDS; comparing 100,000 rows with the register takes seconds more,
# and writing them about a minute (tests/perf/bench_import.py). Hard limits give a soft limit's handler
# time to record the failure.
CHECK_SOFT_LIMIT = importing.PARSE_WALL_SECONDS + 120
CHECK_HARD_LIMIT = CHECK_SOFT_LIMIT + 30
COMMIT_SOFT_LIMIT = importing.PARSE_WALL_SECONDS + 600
COMMIT_HARD_LIMIT = COMMIT_SOFT_LIMIT + 30
# A check still waiting after this long has lost its task: a task a dying worker held is delivered again
# after the broker's visibility timeout, and then runs within its hard limit.
CHECK_LOST_AFTER = (
    getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout", 3600)
    + CHECK_HARD_LIMIT
)
TOO_LONG = "Proses dihentikan karena melebihi batas waktu {seconds} detik; tidak ada data yang disimpan."


def progress_key(job_id: str) -> str:
    return f"people:import:{job_id}:progress"


@shared_task(name="people.check_import", soft_time_limit=CHECK_SOFT_LIMIT, time_limit=CHECK_HARD_LIMIT)
def check_import(job_id: str) -> str:
    """The dry run of an uploaded file: counts and every problem, nothing written to the register."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state != ImportJob.State.CHECKING:
        return job.state  # already handled (a redelivered task)
    try:
        plan = importing.check_isolated(
            bytes(job.content),
            job.filename,
            create_units=job.create_units,
            deactivate_missing=job.deactivate_missing,
        )
        job.state = ImportJob.State.REJECTED if plan.rejected else ImportJob.State.CHECKED
        job.summary, job.errors, job.total = plan.summary(), plan.error_list(), plan.rows
    except SoftTimeLimitExceeded:
        job.state, job.failure = ImportJob.State.FAILED, TOO_LONG.format(seconds=CHECK_SOFT_LIMIT)
    except Exception as exc:
        logger.exception("Checking import %s failed", job_id)
        job.state, job.failure = ImportJob.State.FAILED, str(exc)[:2000]
    job.finished_at = timezone.now()
    job.save()
    return job.state


@shared_task(name="people.commit_import", soft_time_limit=COMMIT_SOFT_LIMIT, time_limit=COMMIT_HARD_LIMIT)
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
        plan = importing.check_isolated(
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
    except SoftTimeLimitExceeded:  # the transaction rolled back
        job.state, job.failure = ImportJob.State.FAILED, TOO_LONG.format(seconds=COMMIT_SOFT_LIMIT)
    except Exception as exc:  # the transaction rolled back: say so, keep the file for another try
        logger.exception("Import %s failed", job_id)
        job.state, job.failure = ImportJob.State.FAILED, str(exc)[:2000]
    job.finished_at = timezone.now()
    job.save()
    audit_trail.import_finished(job)  # who, which file, how many rows, the outcome
    return job.state
