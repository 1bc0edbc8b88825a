"""The Celery app. Tasks run in the schema of the region that queued them (tenant-schemas-celery)."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("ikd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
