"""Project configuration: settings, root URLs, the Celery app and the embedded services."""

import os

# One BLAS thread per process, set before numpy is first imported: web and Celery processes already
# fill the cores, and OpenBLAS's own threads on top made calibration 6x slower on a loaded 2-core
# machine. Set the variables explicitly to give a dedicated process more.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from config.celery import app as celery_app  # noqa: E402 - after the thread limits

__all__ = ["celery_app"]
