"""No-op ``migrate_schemas`` at national scale: skip-current (tenants.services.schema_migrations) against
django-tenants' sequential executor, measured in the same run.

Run by hand: .venv/bin/python tests/perf/bench_migrate.py --sizes 552,2000 --full 150 [--sample 30] [--runs 3]

Uses its own database ``ikd_migrate_bench`` on the configured server (DATABASE_URL, else the embedded
one), dropped and recreated at start and dropped at the end (which removes every schema it made).

1. The public schema and the template are migrated as a deploy does.
2. Region schemas are made as provisioning makes them: PostgreSQL's ``clone_schema`` of the template
   (django-tenants' function; tables, indexes, constraints, triggers and the template's migration
   records), several at once, with their Region rows. Their creation is timed and printed separately.
3. At each size it times the whole no-op ``migrate_schemas`` (public schema and every region, in this
   process; the migration graph is loaded afresh each run), the state query alone, and once end to end
   in a new Python process (what an operator waits for). The baseline is django-tenants' own path
   (``--executor standard``: Django's ``migrate`` in every schema, one after another) on ``--sample``
   schemas at the same catalogue size, extrapolated per schema to all of them.

Cloning costs 0.5-1 s per schema here (2,000 would take half an hour): ``--full N`` clones only the first
N and gives the rest only a copy of the template's ``django_migrations``, which is all a no-op run reads.
The catalogue is then lighter than 2,000 real regions, which flatters the baseline (its per-schema cost
grows with pg_class) more than the skip (two statements, one index probe per schema).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DB_NAME = "ikd_migrate_bench"


def bench_database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB_NAME}"))


def _clone_many(job: tuple[str, str, list[str]]) -> None:
    import psycopg

    url, template, names = job
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute("SELECT clone_schema(%s, %s, 'DATA')", [template, name])


def _light_many(url: str, template: str, names: list[str]) -> None:
    """Schemas holding only the template's django_migrations (all a no-op run reads), 100 per commit."""
    import psycopg

    with psycopg.connect(url) as conn:
        for k, name in enumerate(names):
            conn.execute(f'CREATE SCHEMA "{name}"')
            conn.execute(f'CREATE TABLE "{name}".django_migrations (LIKE "{template}".django_migrations)')
            conn.execute(
                f'INSERT INTO "{name}".django_migrations SELECT * FROM "{template}".django_migrations'  # noqa: S608
            )
            if k % 100 == 99:
                conn.commit()
        conn.commit()


def create_regions(start: int, stop: int, workers: int, light: bool = False) -> float:
    """Regions ``start``..``stop - 1``: schemas cloned from the template (or light ones), then their
    Region rows."""
    from django.db import connections

    from tenants.models import Region
    from tenants.services import provisioning

    names = [f"bench_{i:04d}" for i in range(start, stop)]
    started = time.perf_counter()
    connections.close_all()
    if light:
        _light_many(bench_database_url(), provisioning.template_schema(), names)
    else:
        jobs = [
            (bench_database_url(), provisioning.template_schema(), names[k::workers]) for k in range(workers)
        ]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_clone_many, jobs)
    Region.objects.bulk_create(
        Region(
            code=f"B{i:04d}",
            name=f"Bench region {i}",
            kind=Region.Kind.KABUPATEN,
            province_code="99",
            province_name="Bench",
            slug=f"bench-{i}",
            time_zone=Region.TimeZone.WIB,
            schema_name=f"bench_{i:04d}",
        )
        for i in range(start, stop)
    )
    return time.perf_counter() - started


def fast_noop() -> float:
    from django.core.management import call_command

    from tenants.management.commands.migrate_schemas import Command
    from tenants.services import schema_migrations

    schema_migrations.expected_migrations.cache_clear()
    started = time.perf_counter()
    call_command(Command(), interactive=False, verbosity=0)
    return time.perf_counter() - started


def state_query() -> tuple[float, int, int]:
    from tenants.services import schema_migrations

    started = time.perf_counter()
    states = schema_migrations.region_states()
    elapsed = time.perf_counter() - started
    return elapsed, len(states), sum(state.up_to_date for state in states)


def end_to_end() -> float:
    """A new Python process running the command, Django's start-up included."""
    code = (
        "import django; django.setup();"
        "from django.core.management import call_command;"
        "from tenants.management.commands.migrate_schemas import Command;"
        "call_command(Command(), interactive=False, verbosity=0)"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=os.environ.copy())
    return time.perf_counter() - started


def stock_per_schema(sample: int, full: int) -> float:
    """django-tenants' sequential executor on ``sample`` of the ``full`` (cloned) region schemas:
    seconds per schema."""
    from django.conf import settings
    from django_tenants.migration_executors.standard import StandardExecutor

    from tenants.models import Region

    cloned = Region.objects.filter(schema_name__lt=f"bench_{full:04d}")
    schemas = list(cloned.values_list("schema_name", flat=True).order_by("?")[:sample])
    options = {
        "verbosity": 0,
        "interactive": False,
        "database": "default",
        "app_label": None,
        "migration_name": None,
        "fake": False,
        "fake_initial": False,
        "plan": False,
        "prune": False,
        "run_syncdb": False,
        "check_unapplied": False,
        "skip_checks": True,
        "no_color": True,
        "force_color": False,
        "settings": settings.SETTINGS_MODULE,
    }
    started = time.perf_counter()
    StandardExecutor([], options).run_migrations(tenants=schemas)
    return (time.perf_counter() - started) / len(schemas)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="552,2000", help="Region counts to measure at, ascending.")
    parser.add_argument("--sample", type=int, default=30, help="Schemas the baseline runs on per size.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Leave the bench database in place.")
    parser.add_argument(
        "--full",
        type=int,
        default=None,
        help="Clone only this many schemas; the rest hold only django_migrations (default: clone all).",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    import psycopg

    url = bench_database_url()
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from tenants.management.commands.migrate_schemas import Command
    from tenants.services import provisioning

    cores = os.cpu_count() or 1
    print(f"CPU cores: {cores}; PostgreSQL database {DB_NAME}")
    started = time.perf_counter()
    call_command(Command(), shared=True, interactive=False, verbosity=0)
    provisioning.ensure_template()
    provisioning.clone_template("bench_probe")  # installs clone_schema() as provisioning does
    provisioning.drop_schema("bench_probe")
    print(f"public schema and template migrated in {time.perf_counter() - started:.1f} s")

    full = sizes[-1] if args.full is None else args.full
    made = 0
    rows = []
    try:
        for size in sizes:
            for start, stop, light in ((made, min(size, full), False), (max(made, full), size, True)):
                if stop <= start:
                    continue
                seconds = create_regions(start, stop, cores, light)
                how = "django_migrations only" if light else f"clone of the template, {cores} at once"
                print(
                    f"created {stop - start} region schemas ({how}) in "
                    f"{seconds:.1f} s ({seconds / (stop - start) * 1000:.0f} ms each)"
                )
            made = size
            query_s, total, current = state_query()
            fast = [fast_noop() for _ in range(args.runs)]
            process_s = end_to_end()
            sample = min(args.sample, size, full)
            per_schema = stock_per_schema(sample, full)
            stock = per_schema * size
            rows.append((size, min(fast), statistics.median(fast), process_s, query_s, per_schema, stock))
            print(
                f"{size} regions ({current}/{total} current): no-op migrate_schemas "
                f"min {min(fast):.2f} s, median {statistics.median(fast):.2f} s in process, "
                f"{process_s:.2f} s end to end; state query {query_s * 1000:.0f} ms; "
                f"django-tenants sequential {per_schema * 1000:.0f} ms/schema on {sample} "
                f"-> {stock:.0f} s extrapolated ({stock / min(fast):.0f}x)"
            )
    finally:
        connections.close_all()
        if not args.keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            print(f"dropped database {DB_NAME} (and its {made} bench schemas)")

    print()
    print(
        "regions  no-op min  median  end-to-end  state query  stock ms/schema  stock extrapolated  speed-up"
    )
    for size, best, median, process_s, query_s, per_schema, stock in rows:
        print(
            f"{size:7d}  {best:8.2f}s  {median:5.2f}s  {process_s:9.2f}s  {query_s * 1000:9.0f}ms"
            f"  {per_schema * 1000:15.0f}  {stock:17.0f}s  {stock / best:7.0f}x"
        )


if __name__ == "__main__":
    main()
