"""The region API through a real server: employee list latency and bulk upsert of a whole register.

Run by hand:  .venv/bin/python tests/perf/bench_api.py [--size 12500] [--requests 400] [--workers 2]

What runs: gunicorn (``config.wsgi``, ``--workers`` sync workers) on the configured PostgreSQL and Redis
(``DATABASE_URL``, ``REDIS_URL``; the embedded ones when unset), in a database of its own,
``ikd_bench_api`` (dropped and recreated), with a region holding Kukar's units and an API key with
register:read and register:write. A client (``requests``, one connection, one request at a time, on
the same machine) then measures:

* **bulk upsert**: the ``--size`` employees of the demo register (the import's generator), sent to
  ``POST /api/v1/employees/bulk/`` in batches of 1,000: into an empty register (all new), then again
  with one employee in ten changed (one tenth updated, the rest unchanged). Wall-clock seconds for the
  whole register (target: <= 10 s for 12,500);
* **employee list**: ``GET /api/v1/employees/`` pages of 100, walking the cursor through the register
  and starting over, and the same with a unit filter; p50/p95/p99 (target: p95 <= 50 ms);
* **baseline**: a view that touches no database (``/tes/api/ping``) through the same server, workers
  and tenant routing, the same number of times, in the same run.

Every worker is warmed first (a few list requests and a refused empty batch per worker: imports,
the first database connection), as a running server is. The key's rate limit (1,200 a minute by
default) is kept under by using one key per part. The machine's cores and the load average at each
part are printed, and each latency beside its ratio to the baseline measured in the same run: on a
shared machine the ratio moves less than the figures do.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DB = "ikd_bench_api"
HOST = "kukar.localhost"
EMAIL = "bench@kukarkab.go.id"
PASSWORD = "Bench-Api-2026!"  # a throwaway database's account
BATCH = 1000


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def employees(size: int, changed_every: int = 0) -> list[dict[str, Any]]:
    """The demo register as API rows (the import's generator, its columns mapped to the API's fields)."""
    from api.register_upsert import FIELDS
    from assessment.people.demo import generate_rows

    rows = []
    for n, row in enumerate(generate_rows(size, seed=size)):
        item = {
            name: (value.isoformat() if isinstance(value, date) else value)
            for name, value in zip(FIELDS, row, strict=True)
        }
        if changed_every and n % changed_every == 0:
            item["position_title"] = f"{item['position_title']} (baru)"
        rows.append(item)
    return rows


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Api:
    def __init__(self, port: int, key: str) -> None:
        import requests

        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.session.headers.update({"Host": HOST, "Authorization": f"Api-Key {key}"})

    def timed_get(self, path: str) -> tuple[float, Any]:
        started = time.perf_counter()
        response = self.session.get(self.base + path, timeout=60)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return elapsed, response

    def upsert(self, rows: list[dict[str, Any]]) -> tuple[float, dict[str, int]]:
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        started = time.perf_counter()
        for at in range(0, len(rows), BATCH):
            response = self.session.post(
                self.base + "/api/v1/employees/bulk/",
                data=json.dumps({"employees": rows[at : at + BATCH]}),
                headers={"Content-Type": "application/json"},
                timeout=600,
            )
            assert response.status_code == 200, (response.status_code, response.text[:1000])
            for name, count in response.json().items():
                totals[name] += count
        return time.perf_counter() - started, totals


def list_latencies(api: Api, count: int, query: str = "") -> list[float]:
    samples: list[float] = []
    path: str | None = None
    while len(samples) < count:
        elapsed, response = api.timed_get(path or f"/api/v1/employees/?page_size=100{query}")
        samples.append(elapsed)
        body = response.json()
        assert len(body["results"]) > 0
        following = body["next"]
        path = following[following.index("/api/") :] if following else None
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=12_500)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
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
    from django.conf import settings
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from api.keys import services
    from api.keys.scopes import Scope
    from assessment.people import demo
    from tenants.services import provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    region = register_region(SignupRequest("64.02", "kukar", "Bench Admin", EMAIL, PASSWORD)).region
    with schema_context(region.schema_name):
        demo.create_units()
        writer = services.create("bench bulk", [Scope.REGISTER_READ, Scope.REGISTER_WRITE]).text
        reader = services.create("bench list", [Scope.REGISTER_READ]).text
        reader_filtered = services.create("bench list unit", [Scope.REGISTER_READ]).text
        unit_code = demo.unit_catalogue()[0]["code"]
    fresh, changed = employees(args.size), employees(args.size, changed_every=10)

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "SCHEMA_POOL_AUTOREFILL": "false",
    }
    bin_dir = Path(sys.executable).parent
    web = start(
        [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(args.workers), "--timeout", "600", "--log-level", "warning"],
        env,
    )  # fmt: skip
    try:
        import requests

        ping = requests.Session()
        ping.headers["Host"] = HOST
        for _ in range(300):
            try:
                if ping.get(f"http://127.0.0.1:{port}/tes/api/ping", timeout=60).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("the web server did not come up")
        load = os.getloadavg()
        print(
            f"Region API through gunicorn ({args.workers} sync workers, {url.rsplit('@', 1)[-1]}); "
            f"{os.cpu_count()} cores shared with the client and the database, load average {load[0]:.1f}"
        )
        bulk = Api(port, writer)
        lister, filtered = Api(port, reader), Api(port, reader_filtered)
        for _ in range(4 * args.workers):  # warm every worker: the list, and the bulk path (400, no rows)
            bulk.session.post(bulk.base + "/api/v1/employees/bulk/", json={"employees": []}, timeout=60)
            filtered.timed_get("/api/v1/employees/?page_size=100")
        loads = {"bulk": os.getloadavg()[0]}
        new_s, new_totals = bulk.upsert(fresh)
        changed_s, changed_totals = bulk.upsert(changed)

        list_latencies(lister, 20)
        loads["list"] = os.getloadavg()[0]
        ping_samples = []
        for _ in range(args.requests):
            started = time.perf_counter()
            assert ping.get(f"http://127.0.0.1:{port}/tes/api/ping", timeout=60).status_code == 200
            ping_samples.append(time.perf_counter() - started)
        plain = list_latencies(lister, args.requests)
        by_unit = list_latencies(filtered, args.requests, f"&unit={unit_code}")

        loads["end"] = os.getloadavg()[0]
        print(
            f"\nBulk upsert of {args.size:,} employees in batches of {BATCH:,} (target <= 10 s), "
            f"load average {loads['bulk']:.1f}:"
        )
        print(f"  empty register: {new_s:6.2f} s  {new_totals}")
        print(f"  1 in 10 changed: {changed_s:6.2f} s  {changed_totals}")
        print(
            f"\nGET, {args.requests} sequential requests each, load average {loads['list']:.1f} -> "
            f"{loads['end']:.1f}\n  {'':<40}  p50 ms   p95 ms   p99 ms   p95 / baseline p95"
        )
        base_p95 = percentiles(ping_samples)[1]
        for label, samples in (
            ("baseline: no-DB view /tes/api/ping", ping_samples),
            ("employees, page of 100 (cursor walk)", plain),
            (f"employees, unit={unit_code}, page of 100", by_unit),
        ):
            p50, p95, p99 = percentiles(samples)
            print(f"  {label:<40} {p50:7.1f} {p95:8.1f} {p99:8.1f}   {p95 / base_p95:5.1f}x")
        print("Target (issue #18): employee list p95 <= 50 ms on a 12,500-person register.")
    finally:
        stop(web)


if __name__ == "__main__":
    main()
