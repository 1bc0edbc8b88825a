"""Region schemas, made fast.

Running every migration for a new region takes seconds and grows with the project. Instead:

* a *template* schema (``settings.TENANT_TEMPLATE_SCHEMA``) is migrated once per deploy;
* a small *pool* of spare schemas is cloned from it ahead of demand (a Celery task refills it);
* a signup *claims* a spare by renaming it, inside the same transaction that writes the Region, its
  Domain and its admin, so that a failure leaves nothing behind and the signup never waits on a
  clone, whose cost grows with the size of the catalogue.

When the pool is empty the signup clones the template inside its transaction; when there is no
template it falls back to creating the schema and running the migrations.

A clone names its unique constraints as PostgreSQL does (``rounds_answer_attempt_id_item_code_key``)
where the template has the migrations' names (``answer_once``): django-tenants' clone function copies
tables with ``LIKE ... INCLUDING ALL`` and restores the names of primary keys and plain indexes only.
A later migration that drops or alters such a constraint by name would then fail on every region made
by cloning, and pass on the template and in a fresh install. :func:`align_names` gives a clone the
template's names, after every clone and, for schemas cloned before it existed, at every deploy
(:func:`prepare`, which runs before the next release's migrations).
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

from tenants.models import Region, SpareSchema
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
    align_names(target)


# Index pairs of a schema and the template on the same table with the same definition (the part of
# ``pg_get_indexdef`` after the table's name, and uniqueness) whose names differ; a definition that
# occurs twice on a table is left alone (no way to tell which is which), as is a name already taken.
_MISNAMED = """
WITH idx AS (
  SELECT n.nspname AS schema, n.oid AS nsp, t.relname AS tbl, i.relname AS name,
         x.indisunique AS is_unique, substring(pg_get_indexdef(x.indexrelid) FROM ' USING .*$') AS def,
         EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = t.oid)
           AS is_constraint
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE n.nspname IN (%(template)s, %(target)s)
), single AS (
  SELECT * FROM idx
   WHERE (schema, tbl, is_unique, def) IN (
         SELECT schema, tbl, is_unique, def FROM idx GROUP BY 1, 2, 3, 4 HAVING count(*) = 1)
)
SELECT mine.tbl, mine.name, theirs.name, mine.is_constraint
  FROM single mine
  JOIN single theirs ON theirs.schema = %(template)s AND theirs.tbl = mine.tbl
   AND theirs.is_unique = mine.is_unique AND theirs.def = mine.def
   AND theirs.is_constraint = mine.is_constraint
 WHERE mine.schema = %(target)s AND mine.name <> theirs.name
   AND NOT EXISTS (SELECT 1 FROM pg_class taken
                    WHERE taken.relnamespace = mine.nsp AND taken.relname = theirs.name)
 ORDER BY 1, 2
"""


def align_names(target: str) -> int:
    """Give ``target``'s indexes and unique constraints the template's names; how many were renamed.

    Matched by table and definition, so only names change; renaming a constraint renames its index.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(_MISNAMED, {"template": template_schema(), "target": target})
        renames = cursor.fetchall()
        for table, name, wanted, is_constraint in renames:
            if is_constraint:
                where = f"{quote(target)}.{quote(table)}"
                cursor.execute(f"ALTER TABLE {where} RENAME CONSTRAINT {quote(name)} TO {quote(wanted)}")
            else:
                cursor.execute(f"ALTER INDEX {quote(target)}.{quote(name)} RENAME TO {quote(wanted)}")
    return len(renames)


# The schemas, of those given, that lack one of the template's index names (a unique constraint's name is
# its index's): one pass over the catalogue for all of them, where :func:`align_names` per schema costs
# a scan each (about 0.08 s at 571 schemas; every deploy would pay it for every region).
_LACKING_NAMES = """
SELECT n.nspname FROM pg_namespace n
 WHERE n.nspname = ANY(%(schemas)s)
   AND EXISTS (SELECT 1 FROM pg_class t
                WHERE t.relnamespace = %(template)s::regnamespace AND t.relkind = 'i'
                  AND NOT EXISTS (SELECT 1 FROM pg_class m
                                   WHERE m.relnamespace = n.oid AND m.relname = t.relname))
 ORDER BY 1
"""


def align_all_names() -> int:
    """:func:`align_names` for every region and spare schema that needs it (cloned before clones were
    aligned); one catalogue query when none does."""
    if not schema_exists(template_schema()):
        return 0
    schemas = [
        *Region.objects.exclude(schema_name="public").values_list("schema_name", flat=True),
        *SpareSchema.objects.values_list("schema_name", flat=True),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_LACKING_NAMES, {"schemas": schemas, "template": template_schema()})
        lacking = [name for (name,) in cursor.fetchall()]
    total = 0
    for schema in lacking:
        with transaction.atomic():
            total += align_names(schema)
    return total


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
    renamed = align_all_names()
    if renamed:
        logger.info("Gave %s indexes and constraints of cloned schemas the template's names.", renamed)
    return {"discarded": discarded, "made": made, "renamed": renamed}


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
