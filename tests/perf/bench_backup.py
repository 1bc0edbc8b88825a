"""Backing up and restoring a Kukar-size region, run by hand: ``.venv/bin/python tests/perf/bench_backup.py``.

Builds a region with 12,500 employees and a round in which 10,303 of them answered a 60-item form
(simulated person by person, stored as real attempts and answers, then scored), as
``bench_close_round.py`` does, then times:

* ``backup_region`` (pg_dump of the schema from a shared snapshot, the public rows, counts and
  checksums of every table, the archive), plain and encrypted;
* ``restore_region`` after the region was dropped (one transaction: schema, public rows, verification
  of every table's count and checksum), and the encrypted archive restored with ``replace``.

Baseline measured in the same run: a plain ``pg_dump -Fc -n <schema>`` of the schema alone and a plain
``pg_restore --single-transaction`` of it, so the figures compare across machines as ratios. Target
here: backup and restore <= 60 s each. Uses a database of its own (``ikd_bench_backup``) on
``DATABASE_URL`` or on the embedded PostgreSQL. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

DB = "ikd_bench_backup"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def build(employees: int, takers: int) -> object:
    from datetime import date
    from datetime import time as clock

    from django.db import connection
    from django_tenants.utils import schema_context

    from assessment.instrument.models import ItemBank
    from assessment.people import demo as people_demo
    from assessment.results.services import scoring, simulation
    from assessment.results.services.demo_round import _sample
    from assessment.rounds.models import Participant, Round
    from assessment.rounds.services import lifecycle
    from billing.services import subscriptions as billing_contracts
    from tenants.services.signup import SignupRequest, register_region

    region = register_region(
        SignupRequest("64.02", "kukar", "Bench Admin", "bench@kukarkab.go.id", "Bench-Backup-2026!")
    ).region
    billing_contracts.seed_contract(region, "standar", employees, start=date.today(), actor="bench")
    with schema_context(region.schema_name):
        people_demo.seed(region, count=employees)
        round_ = lifecycle.create_round(
            lifecycle.RoundSettings(
                "Bench",
                ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first(),
                60,
                60,
                True,
                "after_publication",
            ),
            None,
        )
        lifecycle.add_session(round_, date(2023, 8, 15), clock(8), clock(16), region.tzinfo, None)
        lifecycle.set_participants(round_, mode="all")
        round_ = lifecycle.transition(round_, Round.State.SCHEDULED, None)
        round_ = lifecycle.transition(round_, Round.State.OPEN, None)
        invited = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk"))
        simulated = simulation.simulate_attempts(round_, _sample(invited, takers, 2023))
        round_ = lifecycle.transition(round_, Round.State.CLOSED, None)
        scoring.score_round(round_)
        print(
            f"Set-up: {employees} employees, {simulated.attempts} attempts, {simulated.answers} answers,"
            " scored"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return region


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=12_500)
    parser.add_argument("--takers", type=int, default=10_303)
    args = parser.parse_args()
    url = database_url()
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Region
    from tenants.services import backup, provisioning
    from tenants.services.backup import archive, pgtools

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    call_command("load_instrument", verbosity=0)
    started = time.perf_counter()
    region = build(args.employees, args.takers)
    print(f"  (built in {time.perf_counter() - started:.0f} s)")
    schema, code = region.schema_name, region.code  # type: ignore[attr-defined]
    key = archive.load_key_text(archive.new_key())
    print(f"PostgreSQL client tools: {pgtools.binary('pg_dump')}")

    def drop() -> None:
        connection.set_schema_to_public()
        Region.objects.get(code=code).delete()
        provisioning.drop_schema(schema)

    with tempfile.TemporaryDirectory(prefix="ikd-bench-backup-") as folder:
        work = Path(folder)
        t0 = time.perf_counter()
        pgtools.run(
            [pgtools.binary("pg_dump"), "--format=custom", "--compress=1", f"--schema={schema}",
             f"--file={work / 'plain.dump'}"],
            what="pg_dump",
        )  # fmt: skip
        base_dump = time.perf_counter() - t0
        plain = backup.backup_region(code, work / "kukar.ikdbak")
        sealed = backup.backup_region(code, work / "kukar.enc", key=key)
        drop()
        t0 = time.perf_counter()
        pgtools.run(
            [pgtools.binary("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner",
             "--no-privileges", f"--dbname={connection.settings_dict['NAME']}", str(work / "plain.dump")],
            what="pg_restore",
        )  # fmt: skip
        base_restore = time.perf_counter() - t0
        provisioning.drop_schema(schema)
        restored = backup.restore_region(work / "kukar.ikdbak")
        replaced = backup.restore_region(work / "kukar.enc", key=key, replace=True)
        mb = (work / "plain.dump").stat().st_size / 1e6
    print(
        f"Kukar-size region: {plain.schema_tables} tables, {plain.schema_rows:,} rows in its schema, "
        f"{plain.public_rows} public rows"
    )
    print(f"  baseline pg_dump -Fc -n (schema alone)      {base_dump:6.1f} s   {mb:6.1f} MB")
    print(
        f"  backup_region                              {plain.seconds:6.1f} s"
        f"   {plain.size_bytes / 1e6:6.1f} MB"
        f"   {plain.seconds / base_dump:.1f}x baseline   (target <= 60 s)"
    )
    print(
        f"  backup_region, encrypted                   {sealed.seconds:6.1f} s"
        f"   {sealed.size_bytes / 1e6:6.1f} MB"
        f"   {sealed.seconds / base_dump:.1f}x baseline"
    )
    print(f"  baseline pg_restore --single-transaction   {base_restore:6.1f} s")
    print(
        f"  restore_region (dropped region, verified)  {restored.seconds:6.1f} s"
        f"             {restored.seconds / base_restore:.1f}x baseline   (target <= 60 s)"
    )
    print(
        f"  restore_region --replace, encrypted        {replaced.seconds:6.1f} s"
        f"             {replaced.seconds / base_restore:.1f}x baseline"
    )


if __name__ == "__main__":
    main()
