"""A real web server thread on the test database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ikd" / "screenshots"


@pytest.fixture(scope="session")
def web_port(django_db_setup: Any, django_db_blocker: Any) -> Iterator[int]:
    """Not pytest-django's live_server: that one flushes every table after each test, and with them
    the regions and the schema pool made once per session."""
    with django_db_blocker.unblock():
        thread = LiveServerThread("localhost", StaticFilesHandler, connections_override={}, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield thread.port
        thread.terminate()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A 360 px wide phone, Indonesian first."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="id-ID")
    yield context
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    yield context
    context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: Any) -> Iterator[str]:
    """A real Celery worker process on the test database, on a queue of its own."""
    import os
    import subprocess
    import sys
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    parts = urlsplit(settings.DATABASE_URL)
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"])),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SCHEMA_POOL_AUTOREFILL": "false",
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",  # its own node name: the other test worker may run one at the same time
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # tasks queued by the test server go to this worker
    yield queue
    app.conf.task_default_queue = previous
    worker.terminate()
    worker.wait(timeout=30)


def download(page: Any, selector: str, folder: Path) -> Path:
    """Click the first match of ``selector`` and save the file it downloads into ``folder``."""
    with page.expect_download() as info:
        page.locator(selector).first.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(str(target))
    return target


def remove_scored_rounds(region: Any) -> None:
    """What ``scored_round`` committed: the region's rounds, people and users (its first admin stays),
    the instrument, and what publishing the rounds sent to the benchmark."""
    from django_tenants.utils import schema_context

    from accounts.models import User
    from assessment.people.models import Employee, ImportJob, WorkUnit
    from assessment.results.models import Aggregate, Score, ScoringRun, TrainingCourse
    from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent, Session
    from tests.factories import forget_benchmark, remove_instrument

    forget_benchmark()
    with schema_context(region.schema_name):
        for model in (Score, Aggregate, ScoringRun, TrainingCourse, Answer, Attempt, Participant, Session):
            model.objects.all().delete()
        for model in (RoundEvent, Round, Employee, ImportJob):
            model.objects.all().delete()
        while WorkUnit.objects.exists():  # leaves first: a parent unit is protected
            WorkUnit.objects.filter(children__isnull=True).delete()
        User.objects.exclude(email="admin@samarinda.go.id").delete()
    remove_instrument()
