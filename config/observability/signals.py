"""Signal handlers: Celery task outcomes into metrics, the request id cleared at the end of a request,
and the Celery worker's logging left to Django's ``LOGGING`` (so ``LOG_FORMAT=json`` reaches it)."""

from __future__ import annotations

import time
from typing import Any

from config.observability import context, metrics

_started: dict[str, tuple[float, str]] = {}  # task id -> (monotonic start, region schema)


def _region_of(task: Any) -> str:
    headers = getattr(getattr(task, "request", None), "headers", None) or {}
    schema = headers.get("_schema_name") or getattr(getattr(task, "request", None), "_schema_name", None)
    if not schema:
        from django.db import connection

        schema = getattr(connection, "schema_name", None)
    return str(schema or "public")


def _on_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = (time.monotonic(), _region_of(task))


def _finished(task_id: str | None, task: Any, outcome: str) -> None:
    start, region = _started.pop(task_id or "", (None, None))
    seconds = time.monotonic() - start if start is not None else None
    name = getattr(task, "name", None) or "unknown"
    metrics.task_finished(name, outcome, region or _region_of(task), seconds)


def _on_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    # Failures and retries are counted by their own signals, which run before this one.
    if state == "SUCCESS":
        _finished(task_id, task, "success")
    else:
        _started.pop(task_id or "", None)


def _on_failure(task_id: str | None = None, sender: Any = None, **_: Any) -> None:
    _finished(task_id, sender, "failure")


def _on_retry(request: Any = None, sender: Any = None, **_: Any) -> None:
    _finished(getattr(request, "id", None), sender, "retry")


def _on_request_finished(**_: Any) -> None:
    context.set_request_id(None)


def _on_setup_logging(**_: Any) -> None:
    """Celery would install its own handlers and format; Django's LOGGING (JSON or plain) is used instead."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _on_worker_ready(**_: Any) -> None:
    metrics.start_worker_server()


def connect() -> None:
    from celery import signals as celery_signals
    from django.conf import settings
    from django.core.signals import request_finished

    celery_signals.task_prerun.connect(_on_prerun, weak=False)
    celery_signals.task_postrun.connect(_on_postrun, weak=False)
    celery_signals.task_failure.connect(_on_failure, weak=False)
    celery_signals.task_retry.connect(_on_retry, weak=False)
    if getattr(settings, "LOG_FORMAT", "plain") == "json":  # else Celery's own format, as before
        celery_signals.setup_logging.connect(_on_setup_logging, weak=False)
    celery_signals.worker_ready.connect(_on_worker_ready, weak=False)
    request_finished.connect(_on_request_finished, dispatch_uid="ikd-observability-request-id")
