"""Staff-register import benchmark: 12,500 and 100,000 generated employees, XLSX and CSV.

Run by hand:  .venv/bin/python tests/perf/bench_import.py [--sizes 12500 100000]

Uses its own database ``ikd_bench_import`` (dropped and recreated) on the configured server. Each
import runs in a fresh child process, so its peak memory (ru_maxrss) is its own. For each file it
prints the time to read and check the file (the dry run) and to commit it, rows per second, and
peak memory; the baseline, measured in the same run on the same rows, is PostgreSQL's COPY of the
already-parsed rows into the same table, the floor for any import.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DB = "ikd_bench_import"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    import django

    django.setup()


def generate(size: int, kind: str) -> Path:
    """The file an admin would upload, written once (outside the measured process)."""
    from assessment.people.demo import generate_rows
    from assessment.people.services import importing
    from frontend.tabular import write_csv, write_xlsx

    path = Path("/tmp") / f"ikd-bench-{size}.{kind}"
    if not path.exists():
        path.write_bytes(
            (write_csv if kind == "csv" else write_xlsx)(
                importing.TEMPLATE_HEADERS, generate_rows(size, seed=size)
            )
        )
    return path


def child(size: int, kind: str, url: str, schema: str) -> None:
    setup_django(url)
    from django.db import connection
    from django_tenants.utils import schema_context

    from assessment.people.models import Employee
    from assessment.people.services import importing, staging

    data = generate(size, kind).read_bytes()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with schema_context(schema):
        Employee.objects.all().delete()
        started = time.perf_counter()
        plan = importing.check(data, f"pegawai.{kind}", create_units=True)
        checked = time.perf_counter()
        assert not plan.rejected, plan.rejected[:3]
        staging.apply_plan(plan)
        done = time.perf_counter()
        count = Employee.objects.count()
        # Baseline: COPY of the parsed rows into an empty copy of the table, the cost of writing alone.
        values = [
            (
                r.nip,
                r.full_name,
                r.position_title,
                r.position_type,
                r.employment_status,
                r.rank,
                r.education,
                r.sex,
                r.birth_date,
                r.email,
                r.phone,
            )
            for r in plan.new
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE copy_baseline AS SELECT nip, full_name, position_title, position_type, "
                "employment_status, rank, education, sex, birth_date, email, phone "
                "FROM people_employee WITH NO DATA"
            )
            copy_started = time.perf_counter()
            with cursor.copy(
                "COPY copy_baseline (nip, full_name, position_title, position_type, employment_status, rank, "
                "education, sex, birth_date, email, phone) FROM STDIN"
            ) as copy:
                for value in values:
                    copy.write_row(value)
            copy_seconds = time.perf_counter() - copy_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "size": size,
                "kind": kind,
                "bytes": len(data),
                "rows": count,
                "check": checked - started,
                "commit": done - checked,
                "total": done - started,
                "copy": copy_seconds,
                "peak_mb": peak_mb,
                "peak_before_mb": rss_before / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[12_500, 100_000])
    parser.add_argument("--child", nargs=3, metavar=("SIZE", "KIND", "SCHEMA"))
    args = parser.parse_args()
    url = database_url()
    if args.child:
        child(int(args.child[0]), args.child[1], url, args.child[2])
        return
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    setup_django(url)
    from django.core.management import call_command

    from tenants.services import provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    region = register_region(
        SignupRequest("64.02", "kukar", "Bench Admin", "bench@kukarkab.go.id", "Bench-Import-2026!")
    ).region
    print("Import benchmark (check = read + validate + compare; commit = one transaction)")
    print(
        f"{'rows':>8} {'file':>5} {'MB':>6} {'check s':>8} {'commit s':>9} {'total s':>8} {'rows/s':>8} "
        f"{'COPY s':>7} {'total/COPY':>10} {'peak MB':>8}"
    )
    for size in args.sizes:
        for kind in ("csv", "xlsx"):
            generate(size, kind)
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--child", str(size), kind, region.schema_name],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "DATABASE_URL": url},
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            r = json.loads(out)
            print(
                f"{r['rows']:>8} {kind:>5} {r['bytes'] / 2**20:>6.1f} {r['check']:>8.2f} {r['commit']:>9.2f} "
                f"{r['total']:>8.2f} {r['rows'] / r['total']:>8.0f} {r['copy']:>7.2f} "
                f"{r['total'] / r['copy']:>10.1f} {r['peak_mb']:>8.0f}"
            )
    print("Targets: 12,500 rows in <= 5 s; 100,000 rows in <= 40 s with peak memory < 500 MB.")


if __name__ == "__main__":
    main()
