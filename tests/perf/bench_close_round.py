"""Closing-a-round benchmark, run by hand: ``.venv/bin/python tests/perf/bench_close_round.py``.

Builds a region with 12,500 employees and a round in which ``--takers`` (10,303) of them answered a
60-item form (simulated person by person, stored as real attempts and answers), then times
``score_round``: reading and coding the answers (response process), the IRT engine (EAP per person),
the population model and its plausible values, writing the scores, the aggregates (region, units,
segments) and the item-quality report, all in one transaction. Prints figures, asserts nothing.
BLAS runs one thread per process, as in the web and Celery processes (``config/__init__.py``).

Baseline measured in the same run: reading the same answers with one plain SELECT (the least any
scoring must do), so the figures compare across machines as a ratio. Uses a database of its own
(``ikd_bench_close``) on ``DATABASE_URL`` or on the embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy is imported, as in the workers

DB = "ikd_bench_close"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=12_500)
    parser.add_argument("--takers", type=int, default=10_303)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print where one more run spends its time")
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
    from django_tenants.utils import schema_context

    from assessment.people import demo as people_demo
    from assessment.results.models import Aggregate
    from assessment.results.services import scoring, simulation
    from assessment.rounds.models import Participant, Round
    from assessment.rounds.services import lifecycle
    from tenants.services import provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    call_command("load_instrument", verbosity=0)
    region = register_region(
        SignupRequest("64.02", "kukar", "Bench Admin", "bench@kukarkab.go.id", "Bench-Close-2026!")
    ).region
    from datetime import date as day

    from billing.services import subscriptions as billing_contracts

    # Seats for the round (billing.services.seats checks them at the opening).
    billing_contracts.seed_contract(region, "standar", args.employees, start=day.today(), actor="bench")
    with schema_context(region.schema_name):
        started = time.perf_counter()
        people_demo.seed(region, count=args.employees)
        from datetime import date

        from assessment.instrument.models import ItemBank
        from assessment.results.services.demo_round import _sample

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
        from datetime import time as clock

        lifecycle.add_session(round_, date(2023, 8, 15), clock(8), clock(16), region.tzinfo, None)
        lifecycle.set_participants(round_, mode="all")
        round_ = lifecycle.transition(round_, Round.State.SCHEDULED, None)
        round_ = lifecycle.transition(round_, Round.State.OPEN, None)
        invited = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk"))
        simulated = simulation.simulate_attempts(round_, _sample(invited, args.takers, 2023))
        round_ = lifecycle.transition(round_, Round.State.CLOSED, None)
        print(
            f"Set-up: {args.employees} employees, {simulated.attempts} attempts, {simulated.answers} answers "
            f"in {time.perf_counter() - started:.0f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        def baseline() -> float:
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT a.attempt_id, a.item_code, a.response::text FROM rounds_answer a "
                    "JOIN rounds_attempt t ON t.id = a.attempt_id JOIN rounds_participant p "
                    "ON p.id = t.participant_id WHERE p.round_id = %s",
                    [round_.pk],
                )
                cursor.fetchall()
            return time.perf_counter() - t0

        def staged() -> tuple[float, dict[str, float]]:
            stages: dict[str, float] = {}
            marks = [time.perf_counter()]

            def progress(done: int, total: int) -> None:
                marks.append(time.perf_counter())

            scoring.score_round(round_, progress)
            marks.append(time.perf_counter())
            # progress: 0 after reading, n/3 after coding and EAP, 2n/3 after the plausible values,
            # n at the end (scores written, aggregates and quality)
            stages["read answers"] = marks[1] - marks[0]
            stages["code answers, EAP, levels"] = marks[2] - marks[1]
            stages["population model, plausible values"] = marks[3] - marks[2]
            stages["write scores, aggregates, quality"] = marks[4] - marks[3]
            return marks[-1] - marks[0], stages

        base = min(baseline() for _ in range(args.repeats))
        best, stages = min((staged() for _ in range(args.repeats)), key=lambda run: run[0])
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(scoring.score_round, round_)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        region_row = Aggregate.objects.get(round=round_, dimension="region")
        print(f"Closing a round of {simulated.attempts} attempts x 60 items (best of {args.repeats}):")
        for name, seconds in stages.items():
            print(f"  {name:<36} {seconds:6.2f} s")
        print(f"  {'score_round total':<36} {best:6.2f} s   (target <= 5 s on 2 cores)")
        print(f"  baseline: one SELECT of the answers  {base:6.2f} s   total / baseline = {best / base:.1f}x")
        print(
            f"  result: index {region_row.mean:.2f}, areas "
            + ", ".join(f"{v:.2f}" for v in region_row.area_means)
            + f"; {Aggregate.objects.filter(round=round_).count()} aggregate rows"
        )


if __name__ == "__main__":
    main()
