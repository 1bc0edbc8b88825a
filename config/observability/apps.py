"""Connects the signal handlers (Celery tasks, end of request) once Django is ready."""

from __future__ import annotations

from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "config.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from config.observability import signals

        signals.connect()
