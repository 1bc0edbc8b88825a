"""Region schemas, made fast.

Running every migration for a new region takes seconds and grows with the project. Instead:

* a *template* schema (``settings.TENANT_TEMPLATE_SCHEMA``) is migrated once per deploy;
* a small *pool* of spare schemas is cloned from it ahead of demand (a Celery task refills it);
* a signup *claims* a spare by renaming it, inside the same transaction that writes the Region, its
  Domain and its admin, so that a failure leaves nothing behind and the signup never waits on a
  clone, whose cost grows with the size of the catalogue.

When the pool is empty the signup clones the template inside its transaction; when there is no
template it falls back to creating the schema and running the migrations.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from functools import cache
from typing import Literal

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists

from tenants.models import SpareSchema
from tenants.schemas import forget_search_path, use_public_schema

logger = logging.getLogger(__name__)

Method = Literal["pool", "clone", "migrate"]
SPARE_PREFIX = "ikd_spare_"


def template_schema() -> str:
    return str(settings.TENANT_TEMPLATE_SCHEMA)


def _tenant_app_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS}


@cache
def migration_state() -> str:
    """A fingerprint of the migrations a region schema must have; spares with another one are stale."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    labels = _tenant_app_labels()
    nodes = sorted(f"{app}.{name}" for app, name in loader.graph.nodes if app in labels)
    return hashlib.sha256("\n".join(nodes).encode()).hexdigest()


def _applied_state(schema: str) -> str:
    labels = _tenant_app_labels()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608 (our own name)
        nodes = sorted(f"{app}.{name}" for app, name in cursor.fetchall() if app in labels)
    return hashlib.sha256("\n".join(nodes).encode()).hexdigest()


def template_is_current() -> bool:
    return schema_exists(template_schema()) and _applied_state(template_schema()) == migration_state()


def ensure_template(verbosity: int = 0) -> None:
    """Create or migrate the template schema. Commits (migrations do); never call inside a transaction."""
    name = template_schema()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity)
    use_public_schema()


def drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def clone_template(target: str) -> None:
    """Copy the template's tables, indexes and data (its migration records) into a new schema."""
    CloneSchema().clone_schema(template_schema(), target, "DATA", set_connection=True)
    # The clone function sets search_path itself while it works: the next statement sets ours again
    # rather than trusting the one remembered (TENANT_LIMIT_SET_CALLS, tenants.postgresql_backend).
    use_public_schema()
    forget_search_path()


def discard_stale_spares() -> int:
    """Drop spares made from an older template (migrations changed since)."""
    stale = list(SpareSchema.objects.exclude(migration_state=migration_state()))
    for spare in stale:
        with transaction.atomic():
            drop_schema(spare.schema_name)
            spare.delete()
    return len(stale)


def fill_pool(size: int | None = None) -> int:
    """Clone spares until the pool holds ``size`` current ones. Returns how many were made."""
    target = settings.SCHEMA_POOL_SIZE if size is None else size
    if not template_is_current():
        logger.warning("Template schema is missing or stale; run `manage.py prepare_provisioning`.")
        return 0
    made = 0
    while SpareSchema.objects.filter(migration_state=migration_state()).count() < target:
        name = f"{SPARE_PREFIX}{secrets.token_hex(6)}"
        with transaction.atomic():
            clone_template(name)
            SpareSchema.objects.create(schema_name=name, migration_state=migration_state())
        made += 1
    return made


def prepare(pool_size: int | None = None, verbosity: int = 0) -> dict[str, int]:
    """What a deploy runs after ``migrate_schemas``: template up to date, stale spares gone, pool full."""
    ensure_template(verbosity=verbosity)
    discarded = discard_stale_spares()
    made = fill_pool(pool_size)
    return {"discarded": discarded, "made": made}


def claim_spare(target: str) -> bool:
    """Rename a current spare to ``target``. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("claim_spare must run inside the signup transaction")
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(migration_state=migration_state())
        .first()
    )
    if spare is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{target}"')
    spare.delete()
    return True


def create_schema_in_transaction(
    target: str, allowed: tuple[Method, ...] = ("pool", "clone")
) -> Method | None:
    """Make ``target`` inside the caller's transaction, from the pool or by cloning the template."""
    if "pool" in allowed and claim_spare(target):
        return "pool"
    if "clone" in allowed and template_is_current():
        clone_template(target)
        return "clone"
    return None


def create_schema_by_migrating(target: str) -> None:
    """The slow path: an empty schema and every migration. Commits; the caller drops it on failure."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{target}"')
    call_command("migrate_schemas", tenant=True, schema_name=target, interactive=False, verbosity=0)
    use_public_schema()
