"""National benchmark at full scale, run by hand (about 12 minutes on 2 cores):
    .venv/bin/python tests/perf/bench_benchmark.py [--regions 552] [--rounds 3] [--workers 4] [--reuse]

``--reuse`` measures the portal again (step 4) on the database an earlier full run left, with the same
``--regions``, ``--rounds`` and ``--seed``: it skips steps 1-3 (most of the time; about 40 minutes on a
loaded machine), so their figures are not printed.

Target (issue #20): with 552 regions and 3 rounds each published, every national portal page and API answer
has p95 <= 50 ms on a 2-core machine, warm and cold (the first request after a publication), and publishing
one region's round takes <= 1 s. A publication's warm-up task (``benchmark.tasks.warm_portal``: it builds
what the change alters, ``benchmark.prebuild``) is part of the publishing step's cost: cold requests are
timed after it has run, and its own time is printed beside them.

Uses a database of its own (``ikd_bench_national``) on ``DATABASE_URL``'s server or on the embedded
PostgreSQL, dropped and recreated at start, and the configured Redis (``REDIS_URL``, else the embedded
one; the cache goes to REDIS_URL's own database number when it names one). Then:

1. a real region (64.02, Kukar) with ``--employees`` employees and a round that ``--takers`` of them
   took, simulated person by person, scored by the real engine and published;
2. ``--rounds`` simulated rounds of each of ``--regions`` official regions (all 552 by default),
   each published through the real publishing step (``benchmark.services.publishing.publish``):
   time per round, p50/p95/max;
3. publishing the real region's round again (``publish_round``: reads the scores from the region's
   schema, sums them, protects, audits, writes), now beside all the others: each run and the best;
4. the portal through gunicorn (``--workers`` sync workers) on 127.0.0.1, signed in as a national
   viewer: every page and API answer warm (cached figures), one client and ``--concurrency`` clients;
   during (the first request after a publish whose warm-up has not finished: one more round published
   and committed, so its token is marked warming, and the request made before the warm-up runs;
   ``benchmark.services.generation`` serves the last built state meanwhile); cold (the first request
   after the same publication's warm-up task has run to its end, as a Celery worker would), alone and
   with ``--concurrency`` clients asking at once; and the first request of many different regions'
   profiles (page and API), each after a publication, during and after its warm-up.

Baseline measured in the same run: ``/healthz`` (no database query since issue #19's liveness probe;
figures before it had one ``SELECT 1``) through the same server, workers
and middleware; the ratios p95 / baseline p95 compare across machines. The load generator runs on the
same cores as the server, PostgreSQL and Redis. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DB = "ikd_bench_national"
REAL_CODE, REAL_SLUG = "64.02", "kukar"
PROVINCE = "64"
TARGET_MS = 50.0
TARGET_PUBLISH_S = 1.0
LOG = Path("/tmp/ikd-bench-national-gunicorn.log")

PAGES = [
    "/nasional/",
    "/nasional/?tahun=2024",
    "/nasional/?jenis=kota",
    "/nasional/peringkat/",
    f"/nasional/peringkat/?provinsi={PROVINCE}",
    "/nasional/peringkat/?jenis=kota",
    f"/nasional/wilayah/{REAL_CODE}/",
    "/nasional/unduh.csv",
    "/nasional/unduh.xlsx",
]
API = [
    "/api/nasional/",
    "/api/nasional/?tahun=2024",
    "/api/nasional/wilayah/",
    "/api/nasional/wilayah/?jenis=kota",
    f"/api/nasional/wilayah/{REAL_CODE}/",
]
BASELINE = "/healthz"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def ms(value: float) -> str:
    return f"{value * 1000:7.1f}" if value == value else "      -"


def dist(values: list[float], unit: str = "ms") -> str:
    if unit == "s":
        return (
            f"n={len(values)} p50={pct(values, 50):.3f} s p95={pct(values, 95):.3f} s "
            f"max={max(values, default=float('nan')):.3f} s"
        )
    return f"n={len(values)} p50={ms(pct(values, 50))} p95={ms(pct(values, 95))} p99={ms(pct(values, 99))} ms"


def choose_codes(count: int, seed: int) -> list[str]:
    """All official regions, or ``count`` of them at random (always with 64 and 64.02, which the
    measured URLs name)."""
    import numpy as np

    from tenants import wilayah

    everything = sorted(wilayah.official_regions())
    if count >= len(everything):
        return everything
    fixed = [PROVINCE, REAL_CODE]
    others = [c for c in everything if c not in fixed]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(others), size=max(0, count - len(fixed)), replace=False)
    return sorted([*fixed, *(others[i] for i in chosen)])


@contextmanager
def timing_publish_step(into: list[float]) -> Iterator[None]:
    """Record the duration of every call of the benchmark's publishing step (protect, audit, write)."""
    from benchmark.services import publishing

    original = publishing.publish

    def publish(figures: publishing.RoundFigures, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(figures, **kwargs)
        finally:
            into.append(time.perf_counter() - started)

    with mock.patch.object(publishing, "publish", publish):
        yield


# --- HTTP -------------------------------------------------------------------------------------------


@dataclass
class Sample:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    size: int = 0
    status: int = 0


class Http:
    """requests sessions (one per thread) to the gunicorn server, with the viewer's session cookie."""

    def __init__(self, port: int, host: str, cookie: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.headers = {"Host": host, "Cookie": cookie}
        self.local = threading.local()
        self.shown: set[str] = set()

    def session(self) -> Any:
        import requests

        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers.update(self.headers)
        return self.local.session

    def get(self, path: str) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        try:
            response = self.session().get(self.base + path, allow_redirects=False, timeout=120)
            body = response.content
            status = response.status_code
        except Exception as error:  # a refused or dropped connection counts as an error, not a crash
            return 599, time.perf_counter() - started, repr(error).encode()
        return status, time.perf_counter() - started, body

    def record(self, sample: Sample, path: str, result: tuple[int, float, bytes]) -> None:
        status, seconds, body = result
        sample.status = status
        if status == 200:
            sample.times.append(seconds)
            sample.size = len(body)
            return
        sample.errors += 1
        if path not in self.shown:
            self.shown.add(path)
            text = body.decode("utf-8", "replace").strip().splitlines()
            print(f"   ! {path}: HTTP {status}; first lines of the answer:")
            for row in text[:8]:
                print(f"     | {row[:150]}")

    def one(self, sample: Sample, path: str) -> None:
        self.record(sample, path, self.get(path))

    def many(self, sample: Sample, path: str, count: int, concurrency: int) -> None:
        """``count`` requests of ``path`` with ``concurrency`` clients, each starting the next at once."""
        with ThreadPoolExecutor(concurrency) as pool:
            for result in pool.map(lambda _: self.get(path), range(count)):
                self.record(sample, path, result)

    def together(self, sample: Sample, path: str, concurrency: int) -> None:
        """``concurrency`` requests of ``path`` released at the same moment."""
        barrier = threading.Barrier(concurrency)

        def go(_: int) -> tuple[int, float, bytes]:
            barrier.wait()
            return self.get(path)

        with ThreadPoolExecutor(concurrency) as pool:
            for result in pool.map(go, range(concurrency)):
                self.record(sample, path, result)


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = LOG.open("wb")
    return subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env={**os.environ, "SCHEMA_POOL_AUTOREFILL": "false"},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(http: Http, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        if http.get(BASELINE)[0] == 200:
            return
        time.sleep(0.5)
    print(LOG.read_text(errors="replace")[-3000:])
    raise SystemExit("gunicorn did not answer /healthz")


# --- the run ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=552, help="official regions with simulated rounds")
    parser.add_argument("--rounds", type=int, default=3, help="simulated rounds per region (years from 2023)")
    parser.add_argument("--employees", type=int, default=12_500, help="employees of the real region")
    parser.add_argument("--takers", type=int, default=10_303, help="takers of the real region's round")
    parser.add_argument("--repeats", type=int, default=3, help="runs of publishing the real round")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=4, help="clients at once")
    parser.add_argument("--requests", type=int, default=100, help="warm requests per URL and mode")
    parser.add_argument("--cold", type=int, default=20, help="cold requests per URL and mode")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--seed", type=int, default=552)
    parser.add_argument("--reuse", action="store_true", help="portal only, on an earlier run's database")
    args = parser.parse_args()
    years = tuple(range(2023, 2023 + args.rounds))

    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "the embedded PostgreSQL"
    url = database_url()
    import psycopg

    if not args.reuse:
        with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    redis_db = urlsplit(os.environ.get("REDIS_URL", "")).path.strip("/")
    if redis_db.isdigit():  # keep the cache in the database REDIS_URL names (settings default to 1)
        os.environ.setdefault("REDIS_CACHE_DB", redis_db)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from config import embedded

    # The server runs with the same Redis (the embedded one, held by this process, when none is set).
    os.environ["REDIS_URL"] = settings.REDIS_URL
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    from tenants.services import provisioning

    if not args.reuse:
        provisioning.prepare(pool_size=0)
        call_command("load_instrument", verbosity=0)
    from assessment.instrument.models import ItemBank

    bank = ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first()
    assert bank is not None
    instrument = f"{bank.code} {bank.version}"  # the real round's: one instrument, as in production
    database = urlsplit(url).path[1:]
    print(
        f"National benchmark: {args.regions} regions x {args.rounds} rounds ({', '.join(map(str, years))}), "
        f"instrument {instrument!r}; database {database} on {where}, "
        f"cache {embedded.with_redis_db(settings.REDIS_URL, int(os.environ.get('REDIS_CACHE_DB', '1')))}; "
        f"{os.cpu_count()} cores"
    )

    if args.reuse:
        from assessment.results.services import benchmark_simulation as simulation
        from benchmark.models import Publication

        plan = simulation.plan(choose_codes(args.regions, args.seed), years, seed=args.seed)
        print(f"1-3. Reused: {Publication.objects.count()} publications already in {database}")
        publish_times: list[float] = []
        step_times: list[float] = []
        real_runs: list[tuple[float, float]] = []
    else:
        real = setup_real_region(args, years)
        publish_times, step_times, plan = publish_everything(args, years, instrument)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        real_runs = publish_real_round(real, args.repeats)
    portal = measure_portal(args, plan, instrument)
    summary(args, publish_times, step_times, real_runs, portal)


@dataclass
class Real:
    region: Any
    round_: Any
    takers: int


def setup_real_region(args: argparse.Namespace, years: tuple[int, ...]) -> Real:
    from datetime import date

    from django_tenants.utils import schema_context

    from assessment.people import demo as people_demo
    from assessment.results.models import Score
    from assessment.results.services import catalogue, publishing
    from assessment.results.services.demo_round import simulate_past_round
    from tenants.services import approval
    from tenants.services.signup import SignupRequest, register_region

    started = time.perf_counter()
    region = register_region(
        SignupRequest(REAL_CODE, REAL_SLUG, "Bench Admin", "bench@kukarkab.go.id", "Bench-National-2026!")
    ).region
    region = approval.approve_seeded(region, actor="bench")  # only approved regions publish
    from billing.services import subscriptions as billing_contracts

    # Seats for the simulated round (billing.services.seats checks them at the opening).
    billing_contracts.seed_contract(region, "standar", args.employees, start=date.today(), actor="bench")
    with schema_context(region.schema_name):
        people_demo.seed(region, count=args.employees)
        catalogue.ensure_seeded()
        # Held after the simulated rounds of the last year, so it is the region's round shown for that year.
        round_ = simulate_past_round(
            "Pengukuran IKD (bench)", date(years[-1], 9, 1), region.tzinfo, args.takers, seed=years[-1]
        )
        publishing.publish_round(round_, simulated=True)  # the region's explicit step to the benchmark
        takers = Score.objects.filter(round=round_).count()
    print(
        f"1. Real region {REAL_CODE}: {args.employees} employees, a round of {takers} takers simulated, "
        f"scored and published in {time.perf_counter() - started:.0f} s"
    )
    return Real(region, round_, takers)


def publish_everything(
    args: argparse.Namespace, years: tuple[int, ...], instrument: str
) -> tuple[list[float], list[float], list[Any]]:
    from assessment.results.services import benchmark_simulation as simulation

    codes = choose_codes(args.regions, args.seed)
    plan = simulation.plan(codes, years, seed=args.seed)
    total = len(plan)
    print(
        f"2. Publishing {total} simulated rounds of {len(codes)} regions through the publishing step "
        "(simulate people, sum, protect, audit, write; one transaction each)"
    )
    times: list[float] = []
    steps: list[float] = []
    started = time.perf_counter()
    every = max(1, total // 10)
    with timing_publish_step(steps):
        for i, sim in enumerate(plan):
            t0 = time.perf_counter()
            simulation.publish_simulated([sim], instrument, seed=args.seed * 10_000 + i)
            times.append(time.perf_counter() - t0)
            done = i + 1
            if done % every == 0 or done == total:
                elapsed = time.perf_counter() - started
                print(
                    f"   {done:>5}/{total} in {elapsed:5.0f} s; last {every}: "
                    f"p50 {pct(times[-every:], 50):.3f} s, max {max(times[-every:]):.3f} s; "
                    f"ETA {elapsed / done * (total - done):4.0f} s",
                    flush=True,
                )
    print(f"   per round, whole:          {dist(times, 's')}")
    print(f"   per round, publishing step: {dist(steps, 's')}  (protect, audit, write)")
    return times, steps, plan


def publish_real_round(real: Real, repeats: int) -> list[tuple[float, float]]:
    """``publish_round`` of the real region, beside every simulated round: (total, publishing step)."""
    from django_tenants.utils import schema_context

    from assessment.results.services import publishing
    from benchmark.models import Publication

    runs: list[tuple[float, float]] = []
    with schema_context(real.region.schema_name):
        for _ in range(repeats):
            steps: list[float] = []
            with timing_publish_step(steps):
                started = time.perf_counter()
                publishing.publish_round(real.round_)
                runs.append((time.perf_counter() - started, sum(steps)))
    print(
        f"3. Publishing the real region's round ({real.takers} takers) again, "
        f"{Publication.objects.count()} publications in the benchmark:"
    )
    for k, (whole, step) in enumerate(runs, 1):
        print(
            f"   run {k}: {whole:.3f} s  (read scores and sum {whole - step:.3f} s, "
            f"protect, audit, write {step:.3f} s)"
        )
    return runs


@dataclass
class Portal:
    warm: dict[str, Sample]
    busy: dict[str, Sample]
    cold: dict[str, Sample]
    herd: dict[str, Sample]
    regions_listed: int | None
    during: dict[str, Sample] = field(default_factory=dict)  # after a publication, its warm-up not done
    warmups: list[float] = field(default_factory=list)  # the warm-up task after each publication


PROFILES = ("/nasional/wilayah/*/", "/api/nasional/wilayah/*/")  # a different region each time


def measure_portal(args: argparse.Namespace, plan: list[Any], instrument: str) -> Portal:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts.roles import Role
    from accounts.services import create_user
    from assessment.results.services import benchmark_simulation as simulation

    viewer = get_user_model().objects.filter(email="viewer@bench.go.id").first() or create_user(
        email="viewer@bench.go.id",
        full_name="Bench Viewer",
        role=Role.NATIONAL_VIEWER,
        password="Bench-National-2026!",
        email_verified=True,
    )  # an earlier run's, with --reuse
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(viewer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    http = Http(args.port, settings.BASE_DOMAIN, cookie)
    server = start_server(args.port, args.workers)
    urls = [*PAGES, *API]
    try:
        wait_ready(http, server)
        print(
            f"4. Portal through gunicorn ({args.workers} sync workers) at {settings.BASE_DOMAIN}, "
            f"signed in as a national viewer; server log {LOG}"
        )
        # Warm every worker up (imports, URL configuration, templates, the cache of this generation).
        for path in [BASELINE, *urls]:
            http.many(Sample(), path, 3 * args.workers, args.workers)
        listed: int | None = None
        status, _, body = http.get("/api/nasional/wilayah/")
        if status == 200:
            import json

            listed = int(json.loads(body).get("count", 0))
        warm = {path: Sample() for path in [BASELINE, *urls]}
        busy = {path: Sample() for path in [BASELINE, *urls]}
        started = time.perf_counter()
        for path, sample in warm.items():
            for _ in range(args.requests):
                http.one(sample, path)
        print(f"   warm, one client: {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for path, sample in busy.items():
            http.many(sample, path, args.requests, args.concurrency)
        print(f"   warm, {args.concurrency} clients: {time.perf_counter() - started:.0f} s")

        # Cold: one more round published before each request renews the generation, so the request
        # builds its figures from the database (as the first one after a real publish does).
        from benchmark import tasks

        republish = iter(range(10**9))
        warmups: list[float] = []

        from dataclasses import replace

        from benchmark.services import publishing

        original = publishing.publish

        def rescored(figures: publishing.RoundFigures, **kwargs: Any) -> Any:
            # New figures for every taker, as a whole-round rescoring gives (the republication rule
            # refuses a version where only some takers' values changed).
            return original(replace(figures, rescored=True), **kwargs)

        def publish_one(then: Any = None) -> None:
            """Publish one more round (committed: its token is marked warming), run ``then`` (requests
            while the warm-up has not finished), then the warm-up."""
            k = next(republish)
            with mock.patch.object(publishing, "publish", rescored):
                simulation.publish_simulated([plan[k % len(plan)]], instrument, seed=args.seed + k)
            if then is not None:
                then()
            started = time.perf_counter()
            tasks.warm_portal()  # what a worker does after the publication commits
            warmups.append(time.perf_counter() - started)

        cold = {path: Sample() for path in urls}
        during = {path: Sample() for path in [*urls, *PROFILES]}
        herd = {path: Sample() for path in urls}
        started = time.perf_counter()
        for path in urls:
            for _ in range(args.cold):
                publish_one(then=lambda: http.one(during[path], path))  # noqa: B023 - called at once
                http.one(cold[path], path)
            for _ in range(max(1, args.cold // args.concurrency)):
                publish_one()
                http.together(herd[path], path, args.concurrency)
        codes = sorted({sim.code for sim in plan})
        for path in PROFILES:
            cold[path] = Sample()
            for k in range(args.cold * 2):
                region = path.replace("*", codes[(k * 37) % len(codes)])
                publish_one(then=lambda: http.one(during[path], region))  # noqa: B023 - called at once
                http.one(cold[path], region)
        print(f"   cold, after {next(republish)} more publishes: {time.perf_counter() - started:.0f} s")
        print(f"   warm-up task after each publication: {dist(warmups, 's')}")
        return Portal(warm, busy, cold, herd, listed, warmups=warmups, during=during)
    finally:
        server.terminate()
        server.wait(timeout=30)


def summary(
    args: argparse.Namespace,
    publish_times: list[float],
    step_times: list[float],
    real_runs: list[tuple[float, float]],
    portal: Portal,
) -> None:
    base_warm = pct(portal.warm[BASELINE].times, 95)
    base_busy = pct(portal.busy[BASELINE].times, 95)
    c = args.concurrency
    print()
    print(
        f"Portal, ms (warm: cached figures, {args.requests} requests per URL; during: the first request "
        f"after a publish, before its warm-up has finished; cold: the first after its warm-up, {args.cold} "
        f"per URL each; herd: {c} clients at once after a publish)"
    )
    print(
        f"  {'URL':<36} {'KB':>6} | {'warm p50':>8} {'p95':>7} {'p99':>7} | {f'{c} clients p50':>14} "
        f"{'p95':>7} {'p99':>7} | {'during p95':>10} | {'cold p50':>8} {'p95':>7} | {'herd p95':>8} | errors"
    )

    def row(path: str) -> None:
        w, b = portal.warm[path], portal.busy[path]
        cold, herd = portal.cold.get(path, Sample()), portal.herd.get(path, Sample())
        during = portal.during.get(path, Sample())
        errors = w.errors + b.errors + cold.errors + herd.errors + during.errors
        size = max(w.size, b.size, cold.size) / 1024
        print(
            f"  {path:<36} {size:6.1f} | {ms(pct(w.times, 50)):>8} {ms(pct(w.times, 95))} "
            f"{ms(pct(w.times, 99))} | {ms(pct(b.times, 50)):>14} {ms(pct(b.times, 95))} "
            f"{ms(pct(b.times, 99))} | {ms(pct(during.times, 95)):>10} | {ms(pct(cold.times, 50)):>8} "
            f"{ms(pct(cold.times, 95))} | {ms(pct(herd.times, 95)):>8} | {errors or ''}"
        )

    for path in PAGES:
        row(path)
    for path in API:
        row(path)
    for path in PROFILES:
        cold, during = portal.cold[path], portal.during.get(path, Sample())
        print(
            f"  {path + ' (cold, many regions)':<36} {cold.size / 1024:6.1f} | {'':>8} {'':>7} {'':>7} | "
            f"{'':>14} {'':>7} {'':>7} | {ms(pct(during.times, 95)):>10} | {ms(pct(cold.times, 50)):>8} "
            f"{ms(pct(cold.times, 95))} | {'':>8} | {(cold.errors + during.errors) or ''}"
        )
    row(BASELINE)

    def pooled(samples: dict[str, Sample], paths: list[str]) -> list[float]:
        return [t for path in paths for t in samples[path].times]

    def worst(samples: dict[str, Sample], paths: list[str]) -> tuple[float, str]:
        return max(((pct(samples[p].times, 95), p) for p in paths if samples[p].times), default=(0.0, "-"))

    print()
    print("Summary")
    if portal.regions_listed is not None:
        print(f"  /api/nasional/wilayah/ lists {portal.regions_listed} regions for the latest year")
    errors = sum(
        s.errors
        for group in (portal.warm, portal.busy, portal.cold, portal.herd, portal.during)
        for s in group.values()
    )
    if errors:
        print(f"  ! {errors} requests failed (not counted in the times); see above and {LOG}")
    print(f"  baseline /healthz          one client {dist(portal.warm[BASELINE].times)}")
    print(f"  baseline /healthz          {c} clients  {dist(portal.busy[BASELINE].times)}")
    modes = [
        ("warm, one client", portal.warm, base_warm),
        (f"warm, {c} clients", portal.busy, base_busy),
        ("during warm-up", portal.during, base_warm),
        ("cold, one client", portal.cold, base_warm),
        (f"cold, {c} at once", portal.herd, base_busy),
    ]
    for label, paths in (("pages", PAGES), ("API", API)):
        for mode, samples, base in modes:
            # Cold, one client: with the first request of many regions' profiles.
            many = samples is portal.cold or samples is portal.during
            chosen = [*paths, PROFILES[label == "API"]] if many else paths
            times = pooled(samples, chosen)
            top, where = worst(samples, chosen)
            verdict = "met" if times and top * 1000 <= TARGET_MS else "NOT met"
            print(
                f"  {label:<5} {mode:<17} {dist(times)}; p95/baseline {pct(times, 95) / base:5.1f}x; "
                f"worst URL p95 {top * 1000:.0f} ms ({where}): {verdict}"
            )
    print(
        f"  portal warm-up after a publication (Celery task, part of the publishing step's cost): "
        f"{dist(portal.warmups, 's')}"
    )
    if not real_runs:
        print("  publishing: not measured (--reuse)")
    else:
        publishing_summary(publish_times, step_times, real_runs)
    print(
        f"  Targets: pages and API p95 <= {TARGET_MS:.0f} ms (each URL), publishing a round <= "
        f"{TARGET_PUBLISH_S:.0f} s; on {os.cpu_count()} cores shared by server, database, Redis and client"
    )
    print("  load average at the end (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


def publishing_summary(
    publish_times: list[float], step_times: list[float], real_runs: list[tuple[float, float]]
) -> None:
    best = min(whole for whole, _ in real_runs)
    runs = ", ".join(f"{whole:.3f}" for whole, _ in real_runs)
    print(
        f"  publishing a simulated round  whole {dist(publish_times, 's')}; "
        f"{'met' if max(publish_times) <= TARGET_PUBLISH_S else 'NOT met'}"
    )
    print(f"                                step  {dist(step_times, 's')}")
    print(
        f"  publishing the real round     best of {len(real_runs)} {best:.3f} s (runs {runs} s): "
        f"{'met' if best <= TARGET_PUBLISH_S else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
