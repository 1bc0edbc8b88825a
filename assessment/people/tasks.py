"""Background work of the people app: checking an uploaded register, then saving it.

The request stores the file and queues ``check_import``: it reads the file in a child process within
``importing.PARSE_CPU_SECONDS`` and ``PARSE_MEMORY``, compares it with the register and keeps the
outcome as staged rows (``services/staging.py``); the file itself is then dropped. When the admin
confirms, ``commit_import`` writes the staged rows in one transaction, without reading or checking the
file again, if the register is still as the check saw it; if it changed, nothing is written and the job
says so (state ``stale``), and a re-check (``check_import`` again) compares the staged rows with the
register as it is now. The Celery soft and hard time limits below bound each task as well (they take
effect in the prefork pool, the production one). A soft limit leaves the job failed with a message.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from assessment.people.models import ImportJob, StagedRow
from assessment.people.services import importing, staging
from audit import services as audit_trail

logger = logging.getLogger(__name__)

# Reading takes at most PARSE_WALL_SECONDS; comparing 100,000 rows with the register and staging them takes
# seconds more, and saving them a few seconds (tests/perf/bench_import_http.py). Hard limits give a soft
# limit's handler time to record the failure.
CHECK_SOFT_LIMIT = importing.PARSE_WALL_SECONDS + 120
CHECK_HARD_LIMIT = CHECK_SOFT_LIMIT + 30
COMMIT_SOFT_LIMIT = 600
COMMIT_HARD_LIMIT = COMMIT_SOFT_LIMIT + 30
# A check still waiting after this long has lost its task: a task a dying worker held is delivered again
# after the broker's visibility timeout, and then runs within its hard limit.
CHECK_LOST_AFTER = (
    getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout", 3600)
    + CHECK_HARD_LIMIT
)
TOO_LONG = "Proses dihentikan karena melebihi batas waktu {seconds} detik; tidak ada data yang disimpan."
# An error nobody foresaw: the admin gets what it means for them, the log gets the exception (a driver's
# English message names tables and columns, not the row and column of their file).
UNEXPECTED = (
    "Terjadi kesalahan yang tidak terduga ({when}); tidak ada data yang disimpan. Kesalahan ini sudah "
    "dicatat untuk pengelola platform. Coba lagi nanti; bila terulang, hubungi pengelola platform dan "
    "sebutkan nomor impor {job}."
)


def progress_key(job_id: str) -> str:
    return f"people:import:{job_id}:progress"


def _check(job: ImportJob) -> importing.Plan:
    """Read and check the upload, or (a re-check) compare the staged rows with the register again."""
    if not job.content and job.staged_rows.exists():
        return staging.replan(job)
    plan = importing.check_isolated(
        bytes(job.content),
        job.filename,
        create_units=job.create_units,
        deactivate_missing=job.deactivate_missing,
    )
    if not plan.rejected:
        staging.stage(job, plan)
    return plan


@shared_task(name="people.check_import", soft_time_limit=CHECK_SOFT_LIMIT, time_limit=CHECK_HARD_LIMIT)
def check_import(job_id: str) -> str:
    """The dry run of an uploaded file: counts and every problem, kept as staged rows for the save;
    nothing written to the register."""
    job = ImportJob.objects.get(pk=job_id)
    if job.state != ImportJob.State.CHECKING:
        return job.state  # already handled (a redelivered task)
    try:
        plan = _check(job)
        job.state = ImportJob.State.REJECTED if plan.rejected else ImportJob.State.CHECKED
        job.summary, job.errors, job.total = plan.summary(), plan.error_list(), plan.rows
        job.content = b""  # read once: the save uses the staged rows
    except SoftTimeLimitExceeded:
        job.state, job.failure = ImportJob.State.FAILED, TOO_LONG.format(seconds=CHECK_SOFT_LIMIT)
    except Exception:
        logger.exception("Checking import %s failed", job_id)
        job.state = ImportJob.State.FAILED
        job.failure = UNEXPECTED.format(when="saat memeriksa berkas", job=job.pk)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "summary", "errors", "total", "content", "failure", "finished_at"])
    return job.state


@shared_task(name="people.commit_import", soft_time_limit=COMMIT_SOFT_LIMIT, time_limit=COMMIT_HARD_LIMIT)
def commit_import(job_id: str) -> str:
    """Write a checked import's staged rows in one transaction and record the outcome (in the region's
    schema); if the register changed since the check, write nothing and say so."""
    job = ImportJob.objects.defer("content").get(pk=job_id)
    if job.state not in {ImportJob.State.QUEUED, ImportJob.State.RUNNING}:
        return job.state  # already handled (a redelivered task)
    job.state = ImportJob.State.RUNNING
    job.save(update_fields=["state"])

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job_id), (done, total), timeout=3600)

    job.total = job.summary.get("new", 0) + job.summary.get("changed", 0) + job.summary.get("deactivated", 0)
    try:
        staging.apply_staged(job, progress)
        job.state, job.progress = ImportJob.State.DONE, job.total
    except staging.RegisterChanged:  # rolled back: nothing written; the staged rows are kept
        job.state = ImportJob.State.STALE
    except SoftTimeLimitExceeded:  # the transaction rolled back
        job.state, job.failure = ImportJob.State.FAILED, TOO_LONG.format(seconds=COMMIT_SOFT_LIMIT)
    except Exception:  # the transaction rolled back: say so
        logger.exception("Import %s failed", job_id)
        job.state = ImportJob.State.FAILED
        job.failure = UNEXPECTED.format(when="saat menyimpan", job=job.pk)
    if job.state == ImportJob.State.FAILED:  # a failed job is not saved again: its rows go
        StagedRow.objects.filter(job=job).delete()
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "progress", "total", "failure", "finished_at"])
    if job.state != ImportJob.State.STALE:
        audit_trail.import_finished(job)  # who, which file, how many rows, the outcome
        from webhooks.events import Event, emit  # webhooks out (issue 18): counts only, no names

        emit(
            Event.IMPORT_FINISHED,
            {"import": {"id": str(job.pk), "state": job.state, "rows": job.total, "summary": job.summary}},
        )
    return job.state
