"""What the operator console shows: every region with its status and size."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from tenants.models import Region


@dataclass(frozen=True)
class RegionSize:
    disk_bytes: int
    counts: dict[str, int]  # label -> rows, for the tables named in settings.REGION_SIZE_TABLES


def regions(query: str = "", status: str = "") -> QuerySet[Region]:
    qs = Region.objects.all().order_by("code")
    if query:
        qs = (
            qs.filter(name__icontains=query)
            | qs.filter(code__startswith=query)
            | qs.filter(slug__icontains=query)
        )
    if status:
        qs = qs.filter(status=status)
    return qs


def sizes(schemas: list[str]) -> dict[str, RegionSize]:
    """Disk size and row counts per schema, in two queries whatever the number of regions.

    Tables to count come from settings, so that this app imports no other app.
    """
    if not schemas:
        return {}
    tables: dict[str, str] = getattr(settings, "REGION_SIZE_TABLES", {})
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
            FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm')
            WHERE n.nspname = ANY(%s) GROUP BY n.nspname
            """,
            [schemas],
        )
        disk = {name: int(size) for name, size in cursor.fetchall()}
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) AND c.relname = ANY(%s) AND c.relkind = 'r'
            """,
            [schemas, list(tables.values())],
        )
        existing = cursor.fetchall()
        label_of = {table: label for label, table in tables.items()}
        counts: dict[str, dict[str, int]] = {schema: dict.fromkeys(tables, 0) for schema in schemas}
        if existing:
            # Identifiers come from pg_class, not from users; one UNION ALL for every region.
            sql = " UNION ALL ".join(
                f'SELECT %s, %s, count(*) FROM "{schema}"."{table}"'  # noqa: S608
                for schema, table in existing
            )
            cursor.execute(sql, [value for pair in existing for value in pair])
            for schema, table, rows in cursor.fetchall():
                counts[schema][label_of[table]] = int(rows)
    return {s: RegionSize(disk_bytes=disk.get(s, 0), counts=counts[s]) for s in schemas}
