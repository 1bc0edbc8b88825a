"""One JSON object per log line (``LOG_FORMAT=json``), for a log shipper to parse without patterns.

Fields: ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``, ``message``, and when known
``request_id`` (:mod:`config.observability.context`), ``region`` (the connection's schema, when it is a
region's), ``task_id`` (the Celery task being run) and ``exception`` (the traceback). The redaction
filter (config.logredact) runs before this formatter on the same handler, so ``message`` and the
traceback it formatted are already clean; this formatter never formats ``exc_info`` itself when the
filter left its text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from config.observability import context


def _region() -> str | None:
    try:
        from django.db import connection

        schema = getattr(connection, "schema_name", None)
    except Exception:  # settings not configured yet (a log line during start-up)
        return None
    return schema if schema and schema != "public" else None


def _task_id() -> str | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - Celery is a dependency
        return None
    task = current_task
    request = getattr(task, "request", None) if task else None
    return getattr(request, "id", None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id := context.request_id():
            entry["request_id"] = request_id
        if region := _region():
            entry["region"] = region
        if task_id := _task_id():
            entry["task_id"] = task_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
