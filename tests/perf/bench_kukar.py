"""A whole Kukar on one machine (issue #20, points 1 to 3): 10,303 takers sign in, start and answer.

Run by hand; the issue's figures are the default (about 45 minutes, most of it the answering pace):
    .venv/bin/python tests/perf/bench_kukar.py
A short run (the same storm, 3 answers each at 2-6 s; about 8 minutes):
    .venv/bin/python tests/perf/bench_kukar.py --answers 3 --pace 2 6
Worker models (point 3): ``--worker-class sync|gthread|uvicorn --workers N --threads T``; the
server runs with deploy/gunicorn.conf.py, as in production. ``--reuse`` keeps the seeded data of the
previous run (attempts and answers are emptied) to compare settings without seeding again.

It uses a private embedded PostgreSQL and Redis (``IKD_BENCH_DIR``, default /tmp/ikd-bench-kukar),
seeds Kukar's register of ``--takers`` employees in its 94 units and an open round, starts gunicorn
and then, from one asyncio process on the same cores:

1. arrivals: every taker arrives at a random moment within ``--arrival-seconds`` (300) and opens the
   sign-in page, signs in with NIP and code, starts (consent) and loads the test (``/tes/api/state``);
2. pace: each taker, from their own start on, saves ``--answers`` (60) answers, one every uniform
   ``--pace`` (20-60) seconds, each retried with the same key and sequence until acknowledged. After
   the run every acknowledged answer must be in PostgreSQL with its sequence (lost = 0);
3. saves against the floor (point 2): ``--concurrency`` (16) takers saving with no pause, then as many
   clients asking the no-database ping, alternating in ``--ratio-rounds`` rounds of
   ``--ratio-seconds`` each through the same server, so that noise from other work on the machine
   falls on both; the ratio of the rates is printed.

Every step prints n, p50/p95/p99 and errors; the load generator's own CPU is printed beside the
machine's core count, to show it is not the bottleneck. Other processes on the machine make the
figures noisy: run it on a quiet machine for figures to quote.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("IKD_BENCH_DIR", "/tmp/ikd-bench-kukar")
import bench_testday as base
import rawhttp

ROOT = base.ROOT
DATA = base.DATA
HOST = base.HOST
PORT = int(os.environ.get("IKD_BENCH_PORT", "8777"))
RATIO_STEPS = ("ratio save", "ratio ping", "ratio ping*")
STEPS = ("page", "sign-in", "start", "state", "save", *RATIO_STEPS)
stats: dict[str, list[float]] = {name: [] for name in STEPS}
errors: dict[str, int] = {}
JSON_HEADERS = {"Content-Type": "application/json"}
SERVER_PID = 0  # gunicorn's master: its workers' CPU is the web server's
TICK = os.sysconf("SC_CLK_TCK")
GROUPS = ("web", "postgres", "redis", "load generator", "other")


def cpu_seconds() -> dict[str, float]:
    """CPU spent so far (user + system, from /proc) by the web server's processes, PostgreSQL, Redis,
    this load generator and everything else on the machine: where a phase's time went."""
    totals = dict.fromkeys(GROUPS, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # Own time and that of children already reaped: PostgreSQL backends end when a worker's
        # connection reaches CONN_MAX_AGE, and their CPU is then only in the postmaster's.
        pid, ppid = int(entry.name), int(fields[1])
        ticks = sum(int(value) for value in fields[11:15])
        if SERVER_PID and SERVER_PID in (pid, ppid):
            group = "web"
        elif comm.startswith("postgres"):
            group = "postgres"
        elif comm.startswith("redis"):
            group = "redis"
        elif pid == os.getpid():
            group = "load generator"
        else:
            group = "other"
        totals[group] += ticks / TICK
    return totals


def cpu_split(before: dict[str, float], after: dict[str, float], requests: int) -> str:
    per = {g: (after[g] - before[g]) / max(requests, 1) * 1000 for g in GROUPS}
    parts = ", ".join(f"{g} {per[g]:.2f}" for g in GROUPS)
    return f"CPU ms per request: {parts}; total {sum(per.values()):.2f}"


RESET = """
import django; django.setup()
from django.db import connection
with connection.cursor() as c:
    c.execute("DELETE FROM r_64_02.rounds_answer")
    c.execute("DELETE FROM r_64_02.rounds_attempt")
"""


@dataclass
class Taker:
    nip: str
    code: str
    cookies: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    acked: dict[str, int] = field(default_factory=dict)  # item -> last acknowledged sequence


class Client:
    """Requests for all takers over ``rawhttp`` (a new connection each; cookies kept per taker by hand,
    as browsers would). Not aiohttp: it cost this generator twice the CPU per request (rawhttp).

    At most ``CONNECTIONS`` requests are open at once, as before with aiohttp's connector and as a
    proxy in front of the workers would hold the rest: thousands of connections queued in the kernel
    overflow the listen queue, and a request whose handshake was dropped there waits for TCP's
    retransmission (seconds) while a worker blocks reading it."""

    CONNECTIONS = 512

    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(self.CONNECTIONS)

    async def call(
        self,
        taker: Taker | None,
        method: str,
        path: str,
        step: str | None,
        retry: bool = True,
        data: dict[str, str] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request; retried identically on 5xx or a broken connection when ``retry``. Each try is a
        sample of ``step``; a try that fails counts as an error of that step."""
        sent = {"Host": HOST, **(headers or {})}
        if isinstance(data, dict):
            body = urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = data or b""
        if taker is not None and taker.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in taker.cookies.items())
            if method == "POST" and "csrftoken" in taker.cookies:
                sent["X-CSRFToken"] = taker.cookies["csrftoken"]
        while True:
            started = time.perf_counter()
            async with self.slots:
                response = await rawhttp.request("127.0.0.1", PORT, method, path, sent, body)
            status = response.status
            if taker is not None:
                taker.cookies.update(response.cookies())
            if step is not None:
                stats[step].append(time.perf_counter() - started)
                if status >= 400:
                    errors[step] = errors.get(step, 0) + 1
            if status < 500 or not retry:
                return status, response.json()
            await asyncio.sleep(0.2 + random.random() * 0.5)


async def arrive(client: Client, taker: Taker, delay: float, args: argparse.Namespace) -> None:
    await asyncio.sleep(delay)
    await client.call(taker, "GET", "/tes/", "page")
    form = {"nip": taker.nip, "code": taker.code, "csrfmiddlewaretoken": taker.cookies.get("csrftoken", "")}
    status, _ = await client.call(taker, "POST", "/tes/", "sign-in", data=form)
    if status != 302:  # counted as an error of the step when >= 400
        return
    form = {"consent": "1", "csrfmiddlewaretoken": taker.cookies.get("csrftoken", "")}
    status, _ = await client.call(taker, "POST", "/tes/mulai/", "start", data=form)
    if status != 302:
        return
    status, state = await client.call(taker, "GET", "/tes/api/state", "state")
    if status != 200:
        return
    taker.items = state["items"]
    for _ in range(args.answers):
        await asyncio.sleep(random.uniform(*args.pace))
        await save(client, taker, "save")


async def save(client: Client, taker: Taker, step: str) -> None:
    item = taker.items[taker.seq % len(taker.items)]
    taker.seq += 1
    ids = [option["id"] for option in item["options"]]
    body = {
        "item": item["code"],
        "response": random.sample(ids, len(ids)) if item["type"] == "ordering" else [random.choice(ids)],
        "seq": taker.seq,
        "key": str(uuid.uuid4()),
    }
    status, result = await client.call(
        taker, "POST", "/tes/api/jawab", step, data=json.dumps(body).encode(), headers=JSON_HEADERS
    )
    if status == 200:
        taker.acked[item["code"]] = max(taker.acked.get(item["code"], 0), int(result["seq"]))


async def floor_ratio(client: Client, takers: list[Taker], args: argparse.Namespace) -> dict[str, float]:
    """Requests per second of each ratio step over its rounds (alternating): saves, the ping as the
    test page sends it (with the taker's cookies, so the session is read as for a save) and the ping
    with no cookies at all ("ratio ping*", the barest request)."""
    counts = dict.fromkeys(RATIO_STEPS, 0)
    seconds = dict.fromkeys(RATIO_STEPS, 0.0)
    cpu = {step: dict.fromkeys(GROUPS, 0.0) for step in RATIO_STEPS}

    async def loop(step: str, taker: Taker, until: float) -> None:
        while time.perf_counter() < until:
            if step == "ratio save":
                await save(client, taker, step)
            else:
                await client.call(taker if step == "ratio ping" else None, "GET", "/tes/api/ping", step)
            counts[step] += 1

    for _ in range(args.ratio_rounds):
        for step in RATIO_STEPS:
            started, before = time.perf_counter(), cpu_seconds()
            until = started + args.ratio_seconds
            await asyncio.gather(*(loop(step, t, until) for t in takers[: args.concurrency]))
            seconds[step] += time.perf_counter() - started
            after = cpu_seconds()
            for group in GROUPS:
                cpu[step][group] += after[group] - before[group]
    zero = dict.fromkeys(GROUPS, 0.0)
    for step in RATIO_STEPS:
        print(f"  {step:<12} {cpu_split(zero, cpu[step], counts[step])}")
    return {step: counts[step] / seconds[step] for step in RATIO_STEPS}


def verify(database: str, takers: list[Taker]) -> tuple[int, int, int]:
    """(acknowledged answers, lost ones, answers stored twice) from PostgreSQL."""
    import psycopg

    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT e.nip, a.item_code, a.seq, count(*) OVER (PARTITION BY a.attempt_id, a.item_code) "
            "FROM r_64_02.rounds_answer a JOIN r_64_02.rounds_attempt t ON t.id = a.attempt_id "
            "JOIN r_64_02.rounds_participant p ON p.id = t.participant_id "
            "JOIN r_64_02.people_employee e ON e.id = p.employee_id"
        ).fetchall()
    stored = {(nip, item): seq for nip, item, seq, _ in rows}
    acked = sum(len(t.acked) for t in takers)
    # Each taker's saves are sequential: the stored sequence must be exactly the last acknowledged one.
    lost = sum(1 for t in takers for item, seq in t.acked.items() if stored.get((t.nip, item)) != seq)
    return acked, lost, sum(1 for *_, n in rows if n > 1)


def report(name: str, seconds: float | None = None) -> str:
    values = stats[name]
    rate = f" {len(values) / seconds:7.0f}/s" if seconds else ""
    return (
        f"  {name:<12} n={len(values):>7} p50={base.pct(values, 50) * 1000:7.1f} "
        f"p95={base.pct(values, 95) * 1000:7.1f} p99={base.pct(values, 99) * 1000:7.1f} ms "
        f"errors={errors.get(name, 0)}{rate}"
    )


async def run(takers: list[Taker], args: argparse.Namespace, database: str) -> None:
    client = Client()
    for _ in range(20 * args.workers):  # warm every worker up (imports, URLs, templates)
        await client.call(None, "GET", "/tes/", None)
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()

    async def progress() -> None:  # a long run shows how it goes (and a stopped one what it reached)
        seen = dict.fromkeys(STEPS, 0)
        while True:
            await asyncio.sleep(60)
            done = ", ".join(
                f"{name} {len(stats[name])} p99 {base.pct(stats[name], 99) * 1000:.0f} ms "
                f"(last minute {base.pct(stats[name][seen[name] :], 99) * 1000:.0f})"
                for name in ("sign-in", "start", "save")
            )
            seen = {name: len(values) for name, values in stats.items()}
            print(f"  +{time.perf_counter() - wall0:.0f} s: {done}, errors {errors or 0}", flush=True)

    # Saves answered while takers still arrive (and one pace after) against those after: the start
    # storm and the steady test apart.
    storm_end = args.arrival_seconds + args.pace[1]
    split: dict[str, int] = {}
    asyncio.get_running_loop().call_later(storm_end, lambda: split.setdefault("save", len(stats["save"])))
    reporter = asyncio.create_task(progress())
    before = cpu_seconds()
    await asyncio.gather(*(arrive(client, t, random.random() * args.arrival_seconds, args) for t in takers))
    reporter.cancel()
    requests = sum(len(stats[name]) for name in ("page", "sign-in", "start", "state", "save"))
    print(f"  whole run: {cpu_split(before, cpu_seconds(), requests)}")
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    load_cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    print(
        f"1. Arrivals over {args.arrival_seconds:.0f} s and {args.answers} answers each at "
        f"{args.pace[0]:.0f}-{args.pace[1]:.0f} s: done in {wall:.0f} s"
    )
    for name in ("page", "sign-in", "start", "state"):
        print(report(name) + "   (target p99 < 500 ms)")
    print(report("save", wall) + "   (target p99 < 250 ms)")
    at = split.get("save", len(stats["save"]))
    for label, values in ((f"first {storm_end:.0f} s", stats["save"][:at]), ("after", stats["save"][at:])):
        print(
            f"    saves {label:<12} n={len(values):>7} p50={base.pct(values, 50) * 1000:7.1f} "
            f"p95={base.pct(values, 95) * 1000:7.1f} p99={base.pct(values, 99) * 1000:7.1f} ms"
        )
    acked, lost, duplicates = verify(database, takers)
    print(f"  acknowledged answers = {acked}, lost = {lost}, stored twice = {duplicates}")
    print(
        f"  load generator CPU: {load_cpu:.0f} s in {wall:.0f} s = {load_cpu / wall:.2f} of one core "
        f"(of {os.cpu_count()})"
    )
    print(
        f"2. Saves against the floor: {args.concurrency} clients with no pause, "
        f"{args.ratio_rounds} alternating rounds of {args.ratio_seconds:.0f} s"
    )
    rates = await floor_ratio(client, takers, args)
    for step in RATIO_STEPS:
        print(report(step) + f" {rates[step]:7.0f}/s")
    print(
        f"  saves / no-DB ping as the page sends it = {rates['ratio save'] / rates['ratio ping']:.2f}, "
        f"/ ping with no cookies = {rates['ratio save'] / rates['ratio ping*']:.2f}  "
        "(target >= 0.80; save p99 < 100 ms)"
    )
    acked, lost, duplicates = verify(database, takers)
    print(f"  after both phases: acknowledged = {acked}, lost = {lost}, stored twice = {duplicates}")


def server_command(args: argparse.Namespace) -> list[str]:
    python = Path(sys.executable)
    command = [str(python.parent / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["-b", f"127.0.0.1:{PORT}", "-w", str(args.workers), "--worker-tmp-dir", "/dev/shm"]
    if args.worker_class == "uvicorn":
        return [*command, "-k", "uvicorn_worker.UvicornWorker", "config.asgi"]
    if args.worker_class == "gthread":
        command += ["-k", "gthread", "--threads", str(args.threads)]
    return [*command, "config.wsgi"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--takers", type=int, default=10_303)
    parser.add_argument("--answers", type=int, default=60)
    parser.add_argument("--arrival-seconds", type=float, default=300)
    parser.add_argument("--pace", type=float, nargs=2, default=(20.0, 60.0), metavar=("MIN", "MAX"))
    parser.add_argument("--worker-class", choices=("sync", "gthread", "uvicorn"), default="sync")
    # deploy/gunicorn.conf.py's default: one per core and one.
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--ratio-seconds", type=float, default=10)
    parser.add_argument("--ratio-rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's seeded data")
    args = parser.parse_args()
    if not args.reuse:
        shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True, exist_ok=True)
    env = base.django_env()
    python = sys.executable
    keeper = subprocess.Popen(  # holds the embedded PostgreSQL and Redis for the whole run
        [
            python,
            "-c",
            "import django; django.setup(); from config import embedded; embedded.postgres_url(); "
            "embedded.redis_url(); import time; time.sleep(10**6)",
        ],
        env=env,
        cwd=ROOT,
    )
    time.sleep(8)
    try:
        seeded = subprocess.run(
            [python, "-c", base.SEED, str(args.takers)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        info = json.loads(seeded.stdout.strip().splitlines()[-1])
        # Static files collected, as every deployment does (deploy/README.md): without a manifest each
        # {% static %} of a page looks for the file on disk.
        server_env = {
            **env,
            "DATABASE_URL": info["database"],
            "REDIS_URL": info["redis"],
            "STATIC_ROOT": str(DATA / "static"),
        }
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            env=server_env,
            cwd=ROOT,
            check=True,
        )
        subprocess.run([python, "-c", RESET], env=server_env, cwd=ROOT, check=True)
        takers = [Taker(nip, code) for nip, code in info["takers"]][: args.takers]
        server = subprocess.Popen(server_command(args), env=server_env, cwd=ROOT)
        global SERVER_PID
        SERVER_PID = server.pid
        time.sleep(6)
        threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        print(
            f"Kukar benchmark: {len(takers)} takers, {os.cpu_count()} cores, gunicorn {args.workers} "
            f"{args.worker_class} workers{threads}, CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')}, "
            "embedded PostgreSQL and Redis, load generator on the same machine",
            flush=True,
        )
        try:
            asyncio.run(run(takers, args, info["database"]))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        keeper.terminate()
        keeper.wait(timeout=30)


if __name__ == "__main__":
    main()
