"""A real Celery worker process refills the schema pool after a signup took a spare."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from tenants.models import SpareSchema
from tenants.services import provisioning
from tenants.tasks import replenish_schema_pool


def test_worker_refills_the_pool(committed: None) -> None:
    spare = SpareSchema.objects.first()
    assert spare is not None
    provisioning.drop_schema(spare.schema_name)
    spare.delete()
    assert SpareSchema.objects.count() == 1

    parts = urlsplit(settings.DATABASE_URL)
    test_db_url = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    queue = f"test-{uuid.uuid4().hex[:8]}"  # a running demo worker must not take this task
    env = {
        **os.environ,
        "DATABASE_URL": test_db_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SCHEMA_POOL_SIZE": "2",
    }
    celery = Path(sys.executable).parent / "celery"
    worker = subprocess.Popen(
        [
            str(celery),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        replenish_schema_pool.apply_async(queue=queue)
        deadline = time.monotonic() + 90
        while SpareSchema.objects.count() < 2 and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker died"
            time.sleep(0.5)
        assert SpareSchema.objects.count() == 2
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        provisioning.fill_pool(2)
