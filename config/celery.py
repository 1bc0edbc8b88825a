"""The Celery app. Tasks run in the schema of the region that queued them (tenant-schemas-celery), and
through ``tenants.task_base.RegionTask``, which does not run the tasks of a read-only (suspended) region."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("ikd", task_cls="tenants.task_base:RegionTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
