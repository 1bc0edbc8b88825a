"""Test-day load benchmark against the real stack: gunicorn workers, PostgreSQL, Redis.

Run by hand (about 25 minutes on 2 cores):
    .venv/bin/python tests/perf/bench_testday.py [--takers 2600] [--answers 60] [--workers 4]

It uses a private embedded PostgreSQL and Redis under /tmp/ikd-bench-testday (so it can restart
PostgreSQL), seeds a region with ``--takers`` employees and an open round, starts gunicorn with
``--workers`` sync workers, warms them up, and then:

1. start storm: every taker signs in with NIP and code and starts the test, at random moments within
   ``--storm-seconds`` (3 minutes); p50/p95/p99 of sign-in and of start;
2. steady saving: every taker saves answers 1 to ``answers - chaos_answers``, ``--concurrency`` takers
   at the same moment with no pause between answers (16 such takers load the server like several
   thousand real ones, who think for a minute per item); saves per second and p50/p95/p99. Then, as
   the baseline, a view that touches no database (``/tes/api/ping``) through the same server, workers
   and tenant routing, at the same concurrency;
3. durability: every taker saves the rest of the answers and submits while one gunicorn worker is
   killed (SIGKILL) a third of the way through and PostgreSQL is restarted two thirds of the way
   through. A client retries a save until it is acknowledged (same key and sequence). Afterwards
   every acknowledged answer must be in the database with its last sequence (lost = 0), no item may
   be stored twice (duplicates = 0), and every taker has submitted.

The load generator runs on the same 2 cores as the server, PostgreSQL and Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("IKD_BENCH_DIR", "/tmp/ikd-bench-testday"))
HOST = "kukar.localhost"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def line(name: str, values: list[float], seconds: float | None = None) -> str:
    rate = f"{len(values) / seconds:8.0f}/s" if seconds else ""
    return (
        f"  {name:<24} n={len(values):>7} p50={pct(values, 50) * 1000:7.1f} ms "
        f"p95={pct(values, 95) * 1000:7.1f} ms "
        f"p99={pct(values, 99) * 1000:7.1f} ms {rate}"
    )


def django_env() -> dict[str, str]:
    return {
        **os.environ,
        "IKD_DATA_DIR": str(DATA),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SCHEMA_POOL_AUTOREFILL": "false",
    }


SEED = r"""
import django, json, sys
django.setup()
from django.conf import settings
from django.core.management import call_command
from django_tenants.utils import schema_context
from tenants.models import Region
from tenants.services import provisioning
from tenants.services.signup import SignupRequest, register_region
call_command("migrate_schemas", interactive=False, verbosity=0)
provisioning.prepare(pool_size=0)
call_command("load_instrument", verbosity=0)
region = Region.objects.filter(code="64.02").first() or register_region(
    SignupRequest("64.02", "kukar", "Bench", "bench@kukarkab.go.id", "Bench-Testday-2026!")).region
from datetime import date
from billing.services import subscriptions as billing_contracts
if billing_contracts.peek_current(region) is None:  # seats for the round (billing.services.seats)
    billing_contracts.seed_contract(region, "standar", 100_000, start=date.today(), actor="bench")
from assessment.people import demo
from assessment.rounds import demo as rounds_demo
from assessment.rounds.models import Participant
from assessment.rounds.services.codes import code_for
with schema_context(region.schema_name):
    demo.seed(region, count=int(sys.argv[1]))
    rounds_demo.seed(region)
    people = [(p.employee.nip, code_for(p)) for p in Participant.objects.select_related("employee")]
print(json.dumps({"database": settings.DATABASE_URL, "redis": settings.REDIS_URL, "takers": people}))
"""


class Taker:
    def __init__(self, nip: str, code: str) -> None:
        self.nip, self.code = nip, code
        self.acked: dict[str, int] = {}  # item -> last acknowledged seq
        self.seq = 0
        self.submitted = False
        self.items: list[dict[str, object]] | None = None


async def request(
    session: object, method: str, path: str, retry: bool, **kwargs: object
) -> tuple[int, object]:
    """One HTTP request; with ``retry`` it is repeated (identically) until the server answers < 500."""
    import aiohttp

    assert isinstance(session, aiohttp.ClientSession)
    headers = {"Host": HOST, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    while True:
        try:
            async with session.request(
                method,
                f"http://127.0.0.1:{PORT}{path}",
                headers=headers,
                allow_redirects=False,
                **kwargs,
            ) as response:  # type: ignore[arg-type]
                body = await (
                    response.json() if response.content_type == "application/json" else response.text()
                )
                if response.status < 500 or not retry:
                    return response.status, body
        except (TimeoutError, aiohttp.ClientError):
            if not retry:
                return 599, None
        await asyncio.sleep(0.2 + random.random() * 0.5)


PORT = int(os.environ.get("IKD_BENCH_PORT", "8765"))
stats: dict[str, list[float]] = {"login": [], "start": [], "save": [], "ping": [], "chaos": []}
errors: dict[str, int] = {}


async def timed(name: str, coro: object) -> tuple[int, object]:
    started = time.perf_counter()
    status, body = await coro  # type: ignore[misc]
    stats[name].append(time.perf_counter() - started)
    if status >= 400 and not (name == "login" and status == 302):
        errors[name] = errors.get(name, 0) + 1
    return status, body


def csrf(session: object) -> str:
    for cookie in session.cookie_jar:  # type: ignore[attr-defined]
        if cookie.key == "csrftoken":
            return str(cookie.value)
    return ""


async def storm(taker: Taker, delay: float) -> object:
    import aiohttp

    await asyncio.sleep(delay)
    session = aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=30)
    )
    await request(session, "GET", "/tes/", True)
    await timed(
        "login",
        request(
            session,
            "POST",
            "/tes/",
            True,
            data={"nip": taker.nip, "code": taker.code, "csrfmiddlewaretoken": csrf(session)},
        ),
    )
    await timed(
        "start",
        request(
            session, "POST", "/tes/mulai/", True, data={"consent": "1", "csrfmiddlewaretoken": csrf(session)}
        ),
    )
    return session


async def save_some(taker: Taker, session: object, first: int, last: int, stat: str) -> None:
    """Answers number ``first`` to ``last - 1`` of this taker, each retried until acknowledged."""
    if taker.items is None:
        status, state = await request(session, "GET", "/tes/api/state", True)
        assert status == 200, (status, state)
        taker.items = state["items"]  # type: ignore[index]
    items = taker.items
    headers = {"X-CSRFToken": csrf(session), "Host": HOST}
    for n in range(first, last):
        item = items[n % len(items)]
        taker.seq += 1
        ids = [option["id"] for option in item["options"]]
        # An answer of the item's shape, as the page sends it (the save path refuses any other):
        # an ordering lists every option, the other types one option here.
        body = {
            "item": item["code"],
            "response": random.sample(ids, len(ids)) if item["type"] == "ordering" else [random.choice(ids)],
            "seq": taker.seq,
            "key": str(uuid.uuid4()),
        }
        status, result = await timed(
            stat, request(session, "POST", "/tes/api/jawab", True, json=body, headers=headers)
        )
        if status == 200:
            taker.acked[item["code"]] = max(taker.acked.get(item["code"], 0), int(result["seq"]))  # type: ignore[index]


async def submit(taker: Taker, session: object) -> None:
    headers = {"X-CSRFToken": csrf(session), "Host": HOST}
    status, _ = await request(session, "POST", "/tes/api/kirim", True, headers=headers)
    taker.submitted = status == 200
    await session.close()  # type: ignore[attr-defined]


async def ping_baseline(count: int, concurrency: int, path: str = "/tes/api/ping") -> float:
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        queue = iter(range(count))

        async def worker() -> None:
            for _ in queue:
                await timed("ping", request(session, "GET", path, True))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--takers", type=int, default=2600)
    parser.add_argument("--answers", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--storm-seconds", type=float, default=180)
    parser.add_argument("--concurrency", type=int, default=16, help="takers saving at the same moment")
    parser.add_argument("--chaos-answers", type=int, default=15, help="answers per taker saved under chaos")
    args = parser.parse_args()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = django_env()
    python = sys.executable
    # A long-lived process holds the embedded PostgreSQL and Redis for the whole run.
    keeper = subprocess.Popen(
        [
            python,
            "-c",
            "import django; django.setup(); "
            "from config import embedded; embedded.postgres_url(); embedded.redis_url(); "
            "import time; time.sleep(10**6)",
        ],
        env=env,
        cwd=ROOT,
    )
    time.sleep(8)
    seeded = subprocess.run(
        [python, "-c", SEED, str(args.takers)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    takers = [Taker(nip, code) for nip, code in info["takers"]][: args.takers]
    server_env = {**env, "DATABASE_URL": info["database"], "REDIS_URL": info["redis"]}
    gunicorn = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(args.workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        env=server_env,
        cwd=ROOT,
    )
    time.sleep(5)
    print(
        f"Test-day benchmark: {len(takers)} takers, {args.answers} answers each, "
        f"gunicorn {args.workers} sync "
        f"workers, embedded PostgreSQL and Redis, 2 cores"
    )
    try:
        asyncio.run(run(takers, args, info["database"], gunicorn.pid))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        keeper.terminate()
        keeper.wait(timeout=30)


async def run(takers: list[Taker], args: argparse.Namespace, database: str, master_pid: int) -> None:
    # A running server has served requests before the storm: warm every worker up (imports, URL
    # configuration, templates) so that the storm measures serving, not the workers' first request.
    await ping_baseline(20 * args.workers, 2 * args.workers, path="/tes/")
    stats["ping"].clear()
    started = time.perf_counter()
    spread = args.storm_seconds
    sessions = await asyncio.gather(*(storm(t, random.random() * spread) for t in takers))
    storm_seconds = time.perf_counter() - started
    print(f"1. Start storm: {len(takers)} sign-ins and starts in {storm_seconds:.0f} s")
    print(line("sign-in (NIP + code)", stats["login"]))
    print(line("start", stats["start"]))

    semaphore = asyncio.Semaphore(args.concurrency)
    steady = args.answers - args.chaos_answers
    finished = [0.0]

    async def one(t: Taker, s: object, first: int, last: int, stat: str, then_submit: bool) -> None:
        async with semaphore:
            await save_some(t, s, first, last, stat)
            if then_submit:
                await submit(t, s)
        finished[0] = time.perf_counter()

    pairs = list(zip(takers, sessions, strict=True))
    random.shuffle(pairs)  # takers answer in no particular order
    started = time.perf_counter()
    await asyncio.gather(*(one(t, s, 0, steady, "save", False) for t, s in pairs))
    save_seconds = finished[0] - started
    ping_seconds = await ping_baseline(min(len(stats["save"]), 30_000), args.concurrency)
    save_rate, ping_rate = len(stats["save"]) / save_seconds, len(stats["ping"]) / ping_seconds
    print(
        f"2. Steady saving: answers 1-{steady} of every taker, {args.concurrency} takers saving at the "
        f"same moment with no pause: {len(stats['save'])} saves in {save_seconds:.0f} s"
    )
    print(line("save answer", stats["save"], save_seconds))
    print(line("baseline: no-DB view", stats["ping"], ping_seconds))
    print(
        f"   saves / baseline rate: {save_rate / ping_rate:.2f}  (target >= 0.50); save p99 target < 250 ms"
    )

    # Chaos inside the durability phase: a worker killed at a third of its expected length, PostgreSQL
    # restarted at two thirds (expected length from the steady phase's rate).
    expected = args.chaos_answers * len(takers) / save_rate
    kill_at, restart_at = max(2.0, expected / 3), max(4.0, 2 * expected / 3)

    async def chaos() -> None:
        await asyncio.sleep(kill_at)
        workers = subprocess.run(
            ["pgrep", "-P", str(master_pid)], capture_output=True, text=True
        ).stdout.split()
        if workers:
            os.kill(int(workers[0]), signal.SIGKILL)
            print(f"   chaos: killed gunicorn worker {workers[0]} at +{kill_at:.0f} s")
        await asyncio.sleep(restart_at - kill_at)
        pgdata = DATA / "pgdata"
        pg_ctl = next(Path(sys.prefix).glob("lib/python*/site-packages/pgserver/pginstall/bin/pg_ctl"))
        owner = pgdata.stat()

        def as_owner() -> None:  # pgserver runs PostgreSQL as its own user when started by root
            if os.geteuid() == 0:
                os.setgid(owner.st_gid)
                os.setuid(owner.st_uid)

        # In a thread, so the clients keep running; -l sends the new server's output to a file (a pipe
        # inherited by the server would never close and the restart would never seem to end).
        await asyncio.to_thread(
            subprocess.run,
            [
                str(pg_ctl),
                "-D",
                str(pgdata),
                "-l",
                str(pgdata / "restart.log"),
                "-m",
                "fast",
                "-w",
                "restart",
            ],
            preexec_fn=as_owner,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        print(f"   chaos: restarted PostgreSQL at +{restart_at:.0f} s")

    started = time.perf_counter()
    await asyncio.gather(chaos(), *(one(t, s, steady, args.answers, "chaos", True) for t, s in pairs))
    print(
        f"3. Durability: answers {steady + 1}-{args.answers} of every taker, then submit, while a worker "
        f"is killed and PostgreSQL restarts: {len(stats['chaos'])} saves in "
        f"{finished[0] - started:.0f} s"
    )
    print(line("save answer (with chaos)", stats["chaos"], finished[0] - started))

    import psycopg

    lost = duplicates = 0
    with psycopg.connect(database.replace("postgresql://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT e.nip, a.item_code, a.seq, count(*) OVER (PARTITION BY a.attempt_id, a.item_code) "
            "FROM r_64_02.rounds_answer a JOIN r_64_02.rounds_attempt t ON t.id = a.attempt_id "
            "JOIN r_64_02.rounds_participant p ON p.id = t.participant_id "
            "JOIN r_64_02.people_employee e ON e.id = p.employee_id"
        ).fetchall()
        submitted = conn.execute(
            "SELECT count(*) FROM r_64_02.rounds_attempt WHERE state = 'submitted'"
        ).fetchone()
    stored = {(nip, item): seq for nip, item, seq, _ in rows}
    duplicates = sum(1 for *_, n in rows if n > 1)
    for t in takers:
        for item, seq in t.acked.items():
            if stored.get((t.nip, item), -1) < seq:
                lost += 1
    print(
        f"   lost acknowledged answers = {lost}, duplicates = {duplicates}, "
        f"submitted = {submitted[0] if submitted else 0} of {len(takers)}"
    )
    print(f"   client-side errors (after retries): {errors or 'none'}")


if __name__ == "__main__":
    main()
