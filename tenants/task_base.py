"""The base class of every Celery task (``config.celery`` makes it the app's ``task_cls``).

tenant-schemas-celery runs a task in the schema of the region that queued it. This class adds what a
region's status means for background work: a task of a read-only (suspended or closed) region does not
run. An import queued before the suspension, or a scoring run queued before the region was closed, is
therefore not applied after it; the worker logs why, and the task ends as ``IGNORED`` (the message is
acknowledged, not retried; the work is queued again once the region is active).

Why the status is read again here: the tenant the library selected comes from its own cache
(``CELERY_TASK_TENANT_CACHE_SECONDS``), so it may predate the suspension. Selecting the fresh Region
also makes the connection read-only for the region (``tenants.readonly``), so a task that opts in with
``runs_when_read_only`` (one that only reads) cannot write either: if it tries, the database refuses
and the task ends the same way.

Why not run every task read-only and let the database refuse: a task may act outside the database
first (send mail, write a file), and an import would fail half-way with a database error instead of a
clear reason. Work queued by other apps coordinates through this class only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery.exceptions import Ignore
from django.db import connections
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask

from tenants import readonly
from tenants.schemas import current_schema

if TYPE_CHECKING:
    from tenants.models import Region

logger = logging.getLogger(__name__)


class RegionTask(TenantTask):
    abstract = True
    #: True for a task that only reads (a report), so that it runs for a read-only region too.
    runs_when_read_only: bool = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        region = self._select_fresh_region()
        if region is not None and region.is_read_only and not self.runs_when_read_only:
            logger.warning(
                "Task %s[%s] not run: region %s (%s) is %s, so read-only; nothing was written.",
                self.name,
                self.request.id,
                region.name,
                region.code,
                region.status,
            )
            raise Ignore()
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if region is None or not region.is_read_only or not readonly.is_read_only_error(exc):
                raise
            logger.warning(
                "Task %s[%s] stopped: region %s (%s) is %s, so read-only, and the task tried to write; "
                "nothing was written.",
                self.name,
                self.request.id,
                region.name,
                region.code,
                region.status,
            )
            raise Ignore() from exc

    def _select_fresh_region(self) -> Region | None:
        """The Region of the schema the task runs in, read now and made the connection's tenant; None
        for the public schema or a schema without a region (the template, a spare)."""
        schema = current_schema()
        if schema == get_public_schema_name():
            return None
        from tenants.models import Region  # not at import time: the Celery app loads before the models

        region = Region.objects.filter(schema_name=schema).first()
        if region is not None:
            for alias in self.get_tenant_databases():
                tenant_connection: Any = connections[alias]
                tenant_connection.set_tenant(region, include_public=tenant_connection.include_public_schema)
        return region
