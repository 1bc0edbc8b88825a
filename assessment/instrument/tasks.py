"""Background work of the instrument: the operator's national calibration (public schema).

Queued by ``calibration.jobs.start_national_calibration`` with the job's id; progress, outcome and a
failure's message are kept on the ``CalibrationJob`` row, which the operator's page polls. Idempotent
enough for a redelivered message: a job already done or failed is not run again.
"""

from __future__ import annotations

import logging

from celery import shared_task

from assessment.instrument.calibration.common import CalibrationError
from assessment.instrument.models import CalibrationJob

logger = logging.getLogger(__name__)


@shared_task(name="instrument.national_calibration")
def national_calibration_task(job_id: int) -> str:
    from assessment.instrument.calibration.jobs import run_national_calibration

    job = CalibrationJob.objects.select_related("bank").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.state in {CalibrationJob.State.DONE, CalibrationJob.State.FAILED}:
        return job.state
    try:
        run_national_calibration(job)
    except CalibrationError:
        logger.info("National calibration %s refused: %s", job_id, job.failure)
    except Exception:
        logger.exception("National calibration %s failed", job_id)
    return job.state
