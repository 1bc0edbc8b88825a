"""Signup-to-ready benchmark: request to a usable region site, per provisioning path and catalogue size.

Run by hand (a few minutes):  .venv/bin/python tests/perf/bench_signup.py [--fillers 552] [--runs 7]
    [--paths pool,clone,migrate] [--reuse]

Uses its own database ``ikd_bench`` on the configured server (DATABASE_URL, else the embedded one),
dropped and recreated at start (``--reuse`` keeps one that already has the fillers; the template is
brought up to date either way, so migrations added since are in every prepared schema). For each path
it times, through Django's test client, the signup POST on the public host, the one-time sign-in link
on the region host and the first dashboard page:

* pool    - a spare schema prepared ahead of demand is renamed (the production default);
* clone   - the template schema is cloned inside the signup transaction (pool empty);
* migrate - an empty schema and every migration (the plain django-tenants path).

Then it adds ``--fillers`` schemas with the template's tables (stand-ins for 552 provisioned regions:
the official list has 552 codes in all, and the measured signups need some of them) and measures again.

Beside the figure (issue #20: pooled signup-to-ready median <= 0.2 s at 552 regions) it prints the
machine's core count and two baselines measured in the same run: the admin's password hash alone
(``make_password`` at the configured strength, most of a signup's CPU) and the pooled signup with that
hash swapped for a trivial one (for analysis only: what everything else costs).
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


def make_fillers(count: int, first: int = 0) -> None:
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
    for i in range(first, first + count):
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
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--paths", default="pool,clone,migrate")
    parser.add_argument("--reuse", action="store_true", help="keep ikd_bench if it has the fillers")
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p]

    import psycopg

    url = bench_database_url()
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'ikd_bench'").fetchone()
        reuse = bool(args.reuse and exists)
        if not reuse:
            conn.execute("DROP DATABASE IF EXISTS ikd_bench")
            conn.execute("CREATE DATABASE ikd_bench")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from tenants import wilayah
    from tenants.models import Region
    from tenants.schemas import use_public_schema
    from tenants.services import provisioning

    # Many signups from one address, on purpose: lift the signup limits (config.ratelimit).
    settings.SIGNUP_RATE_PER_CLIENT = settings.SIGNUP_RATE_OVERALL = (1_000_000, 3600)
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    taken = set(Region.objects.values_list("code", flat=True))
    codes = iter(code for code in wilayah.official_regions() if "." in code and code not in taken)
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
        started, cpu_started = time.perf_counter(), time.process_time()
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
        cpu_seconds.append(time.process_time() - cpu_started)
        use_public_schema()
        return elapsed

    # This process's CPU per signup (all its threads; PostgreSQL's own work is not in it): a figure that
    # holds when other programs share the cores and the wall clock stretches.
    cpu_seconds: list[float] = []

    def summary(times: list[float]) -> str:
        p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
        cpu = statistics.median(cpu_seconds[-len(times) :]) if len(cpu_seconds) >= len(times) else 0.0
        return (
            f"median {statistics.median(times):.3f} s, p95 {p95:.3f}  "
            f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)}; cpu median {cpu:.3f} s)"
        )

    def measure(label: str) -> dict[str, float]:
        medians = {}
        signup_to_ready("pool")  # warm-up, not counted: imports and URL resolvers of a fresh process
        for path in paths:
            times = [signup_to_ready(path) for _ in range(args.runs)]
            medians[path] = statistics.median(times)
            print(f"  {label:>14} {path:>8}: {summary(times)}")
        return medians

    def baselines() -> tuple[float, float]:
        """The password hash alone, and the pooled signup without it (a trivial hasher swapped in)."""
        hashes = []
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            make_password(password)
            hashes.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu_started)
        print(f"  baseline: password hash alone (make_password, configured strength): {summary(hashes)}")
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            times = [signup_to_ready("pool") for _ in range(args.runs)]
        print(f"  baseline: pooled signup without the hash cost (analysis only):  {summary(times)}")
        return statistics.median(hashes), statistics.median(times)

    def schema_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'r\\_%' OR nspname LIKE 'ikd\\_fill%'"
            )
            return int(cursor.fetchone()[0])

    def filler_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ikd\\_fill%'")
            return int(cursor.fetchone()[0])

    print(
        f"Signup to ready, {args.runs} signups per path; database {urlsplit(url).path[1:]}; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start"
    )
    if os.getloadavg()[0] > (os.cpu_count() or 1) / 2:
        print("  (other programs are using the cores: wall times stretch; the cpu figures hold better)")
    few: dict[str, float] = {}
    if filler_count() < args.fillers:
        few = measure(f"{schema_count()} schemas")
        started = time.perf_counter()
        make_fillers(args.fillers - filler_count(), first=filler_count())
        print(f"  ({args.fillers} filler schemas made in {time.perf_counter() - started:.0f} s)")
    many = measure(f"{schema_count()} schemas")
    hash_alone, without_hash = baselines()
    if few and "migrate" in paths:
        print("\nRatios (lower is better):")
        for path in ("pool", "clone"):
            if path in paths:
                print(
                    f"  {path} / migrate: few {few[path] / few['migrate']:.2f}, "
                    f"many {many[path] / many['migrate']:.2f}"
                )
    for path in paths:
        if few:
            print(f"  {path} many / few: {many[path] / few[path]:.2f}")
    print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if "pool" in paths:
        target = "met" if many["pool"] <= 0.2 else "NOT met"
        print(
            f"Target (median <= 0.2 s at {schema_count()} schemas, pooled): {many['pool']:.3f} s, {target}; "
            f"{os.cpu_count()} cores; beside it: the hash alone {hash_alone:.3f} s, "
            f"the signup without the hash {without_hash:.3f} s"
        )


if __name__ == "__main__":
    main()
