"""The talent view on a Kukar-size register, run by hand: ``.venv/bin/python tests/perf/bench_talent.py``.

Builds a region with 12,500 employees and a round in which 10,303 of them answered (simulated person
by person and scored, as ``bench_backup.py`` does), gives 3,000 of them training records this year,
then times, through the whole request stack as the signed-in region admin (test client, templates
rendered): the talent page (page 1 by name; filtered by level; sorted by index; sorted by JP; a late
page), the CSV and XLSX exports of the whole register, and a shortlist. Each page is requested
``--repeat`` times after a warm-up; p50 and p95 are printed with the number of SQL queries per request
(it must not grow with the page: no query per row).

Baseline measured in the same run: ``/healthz``, a view that reads no table, through the same stack.
Uses a database of its own (``ikd_bench_talent``). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

DB = "ikd_bench_talent"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def add_training(region: object, people: int) -> None:
    import random
    from datetime import date
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from assessment.people.models import Employee
    from assessment.results.models import TrainingCourse
    from assessment.results.services import catalogue
    from assessment.training.models import Source, TrainingRecord

    rng = random.Random(18)
    with schema_context(region.schema_name):  # type: ignore[attr-defined]
        catalogue.ensure_seeded()
        courses = list(TrainingCourse.objects.all())
        ids = list(Employee.objects.values_list("pk", flat=True))
        today = date.today()
        records = []
        for n, pk in enumerate(rng.sample(ids, people)):
            course = rng.choice(courses)
            records.append(
                TrainingRecord(
                    employee_id=pk, course_title=course.title, title_key=f"k{n}", provider=course.provider,
                    completed_on=today.replace(day=1), jp=Decimal(course.jp), source=Source.IMPORT,
                    course=course,
                )
            )  # fmt: skip
        TrainingRecord.objects.bulk_create(records)


def timed(client: object, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # type: ignore[attr-defined]  # warm-up
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)  # type: ignore[attr-defined]
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times) * 1000, p95 * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=12_500)
    parser.add_argument("--takers", type=int, default=10_303)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time again on the database of an earlier run")
    args = parser.parse_args()
    url = database_url()
    import psycopg

    if not args.reuse:
        with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    import django

    django.setup()
    from bench_backup import build
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.roles import Role
    from tenants.models import Region
    from tenants.services import provisioning

    settings.ALLOWED_HOSTS = ["*"]
    if args.reuse:
        region = Region.objects.get(code="64.02")
    else:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        provisioning.prepare(pool_size=0)
        call_command("load_instrument", verbosity=0)
        started = time.perf_counter()
        region = build(args.employees, args.takers)
        add_training(region, 3000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  (built in {time.perf_counter() - started:.0f} s)")

    from django_tenants.utils import schema_context

    from accounts.models import User
    from accounts.services import create_user
    from assessment.results.services import reading

    with schema_context(region.schema_name):
        User.objects.filter(email="talenta@kukarkab.go.id").delete()
        admin = create_user(email="talenta@kukarkab.go.id", full_name="Bench", role=Role.REGION_ADMIN,
                            password="Bench-Talenta-2026!", email_verified=True)  # fmt: skip
        area = reading.framework_of(reading.scored_rounds()[0]).areas[0][0]
    client = Client(HTTP_HOST=f"kukar.{settings.BASE_DOMAIN}")
    login = client.post("/akun/login/", {"login": admin.email, "password": "Bench-Talenta-2026!"})
    assert login.status_code == 302, login.status_code
    print(f"Machine: {os.cpu_count()} cores. {args.employees:,} employees, {args.takers:,} scored; "
          f"{args.repeat} requests each after a warm-up.")  # fmt: skip
    base50, base95, base_q = timed(client, "/healthz", args.repeat)
    print(
        f"  {'baseline /healthz (no table read)':42s} p50 {base50:7.1f} ms  p95 {base95:7.1f} ms"
        f"  {base_q} queries"
    )
    cases = [
        ("talent page 1, by name (50 rows)", "/talenta/"),
        ("talent, level 3, by index", "/talenta/?level=3&sort=-index"),
        ("talent, rank group III, age 40-49", "/talenta/?rank_group=III&age_band=40-49"),
        ("talent, page 200 by name", "/talenta/?page=200"),
        ("talent, by JP this year", "/talenta/?sort=-jp"),
        ("shortlist (area 1, level 3+, 5 people)",
         f"/talenta/shortlist/?role=Analis&area={area}&min_level=3&wanted=5"),
        ("export CSV (whole register)", "/talenta/ekspor.csv"),
        ("export XLSX (whole register)", "/talenta/ekspor.xlsx"),
    ]  # fmt: skip
    for label, path in cases:
        repeat = args.repeat if "export" not in label else max(3, args.repeat // 10)
        p50, p95, queries = timed(client, path, repeat)
        print(f"  {label:42s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries} queries"
              f"  ({p95 / base95:.0f}x baseline p95)")  # fmt: skip


if __name__ == "__main__":
    main()
