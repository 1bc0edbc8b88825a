"""Signup-to-ready benchmark: request to a usable region site, per provisioning path and catalogue size.

Run by hand (a few minutes):  .venv/bin/python tests/perf/bench_signup.py [--fillers 552] [--runs 5]

Uses its own database ``ikd_bench`` on the configured server (DATABASE_URL, else the embedded one),
dropped and recreated at start. For each path it times, through Django's test client, the signup POST
on the public host, the one-time sign-in link on the region host and the first dashboard page:

* pool    - a spare schema prepared ahead of demand is renamed (the production default);
* clone   - the template schema is cloned inside the signup transaction (pool empty);
* migrate - an empty schema and every migration (the plain django-tenants path).

Then it adds ``--fillers`` schemas with the template's tables (stand-ins for 552 provisioned regions:
the official list has 552 codes in all, and the measured signups need some of them) and measures again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def bench_database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path="/ikd_bench"))


def make_fillers(count: int) -> None:
    """Schemas with the template's tables, indexes and constraints (CREATE TABLE ... LIKE ... INCLUDING
    ALL): the same weight in the catalogue as a provisioned region, made far faster than by cloning."""
    from django.db import connection, transaction

    from tenants.services import provisioning

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
            [provisioning.template_schema()],
        )
        tables = [row[0] for row in cursor.fetchall()]
    for i in range(count):
        name = f"ikd_fill_{i:04d}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
            for table in tables:
                cursor.execute(
                    f'CREATE TABLE "{name}"."{table}" '
                    f'(LIKE "{provisioning.template_schema()}"."{table}" INCLUDING ALL)'
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fillers", type=int, default=552)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import psycopg

    url = bench_database_url()
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ikd_bench")
        conn.execute("CREATE DATABASE ikd_bench")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tenants import wilayah
    from tenants.services import provisioning

    # Many signups from one address, on purpose: lift the signup limits (config.ratelimit).
    settings.SIGNUP_RATE_PER_CLIENT = settings.SIGNUP_RATE_OVERALL = (1_000_000, 3600)
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    codes = iter(code for code in wilayah.official_regions() if "." in code)
    password = "Bench-Signup-2026!"

    def signup_to_ready(path: str) -> float:
        code = next(codes)
        slug = "b" + code.replace(".", "")
        if path == "pool":
            provisioning.fill_pool(1)  # the Celery task does this between signups
        else:
            for spare in list(provisioning.SpareSchema.objects.all()):
                provisioning.drop_schema(spare.schema_name)
                spare.delete()
        public = Client(HTTP_HOST="localhost")
        form = {
            "code": code,
            "slug": slug,
            "admin_full_name": "Bench Admin",
            "admin_email": f"admin@{slug}.go.id",
            "password": password,
            "password_again": password,
            "accept_terms": "on",
        }
        started = time.perf_counter()
        if path == "migrate":
            from tenants.services.signup import SignupRequest, register_region

            # Same work as the view, with the fast paths switched off.
            result = register_region(
                SignupRequest(code, slug, "Bench Admin", f"admin@{slug}.go.id", password),
                methods=("migrate",),
            )
            from django_tenants.utils import schema_context

            from accounts.services import issue_login_token

            with schema_context(result.region.schema_name):
                location = f"/masuk/token/{issue_login_token(result.admin)}/"
        else:
            response = public.post("/daftar/", form)
            assert response.status_code == 302, response.content[:2000]
            location = urlsplit(response["Location"]).path
        site = Client(HTTP_HOST=f"{slug}.localhost")
        assert site.get(location).status_code == 302
        assert site.get("/").status_code == 200
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        return elapsed

    def measure(label: str) -> dict[str, float]:
        medians = {}
        for path in ("pool", "clone", "migrate"):
            times = [signup_to_ready(path) for _ in range(args.runs)]
            medians[path] = statistics.median(times)
            print(
                f"  {label:>14} {path:>8}: median {medians[path]:.3f} s  "
                f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})"
            )
        return medians

    def schema_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'r\\_%' OR nspname LIKE 'ikd\\_fill%'"
            )
            return int(cursor.fetchone()[0])

    print(f"Signup to ready, {args.runs} signups per path; database {urlsplit(url).path[1:]}")
    few = measure(f"{schema_count()} schemas")
    started = time.perf_counter()
    make_fillers(args.fillers)
    print(f"  ({args.fillers} filler schemas made in {time.perf_counter() - started:.0f} s)")
    many = measure(f"{schema_count()} schemas")
    print("\nRatios (lower is better):")
    for path in ("pool", "clone"):
        print(
            f"  {path} / migrate: few {few[path] / few['migrate']:.2f}, "
            f"many {many[path] / many['migrate']:.2f}"
        )
    for path in ("pool", "clone", "migrate"):
        print(f"  {path} many / few: {many[path] / few[path]:.2f}")
    target = "met" if many["pool"] <= 1.0 else "NOT met"
    print(f"Target (median <= 1 s at {schema_count()} schemas, fast path): {many['pool']:.3f} s, {target}")


if __name__ == "__main__":
    main()
