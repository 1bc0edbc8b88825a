"""CPU per answer save against CPU per no-database ping, in-process (issue #20, point 2).

Run by hand:  .venv/bin/python tests/perf/bench_save_cpu.py [--requests 5000] [--profile] [--strace]

Why CPU and not requests per second: on a shared machine wall-clock throughput measures the other
jobs. On a CPU-bound server (2 cores carrying Django, PostgreSQL and Redis together) the throughput of
a request is bounded by the CPU the whole machine spends on it, so the ratio of saves to pings a quiet
machine would reach is estimated as total CPU per ping / total CPU per save.

What runs: Django's WSGI handler (``config.wsgi.application``) called in this process, no HTTP server,
with a signed-in taker's cookies and CSRF header, on a database of its own, ``ikd_bench_save_cpu``
(dropped and recreated on the server of ``DATABASE_URL``), and a private ``redis-server`` started on a
free port (so its CPU is this run's alone). Pings and saves alternate in blocks after a warm-up; for
each kind the CPU of this process (``time.process_time``), of this connection's PostgreSQL backend
(``pg_backend_pid()``, utime + stime from /proc) and of the Redis server (/proc) is summed. Redis
commands are counted from its ``INFO``; ``--strace`` counts this process's system calls per request
(strace -c, a short extra run; tracing slows it, so no CPU figure is taken then); ``--profile`` prints
cProfile's top functions of the saves.

Not measured: the HTTP server's parsing (gunicorn), the same for both kinds.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DB = "ikd_bench_save_cpu"
HOST = "kukar.localhost"
TICK = os.sysconf("SC_CLK_TCK")


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_of(pid: int) -> float:
    """Seconds of CPU (user + system) of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(folder), "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not come up")


def seed() -> tuple[str, str]:
    """The region, an open round, one taker; their NIP and code."""
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from tenants.services import provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    call_command("load_instrument", verbosity=0)
    region = register_region(
        SignupRequest("64.02", "kukar", "Bench", "bench@kukarkab.go.id", "Bench-Save-Cpu-2026!")
    ).region
    from datetime import date

    from billing.services import subscriptions as billing_contracts

    billing_contracts.seed_contract(region, "standar", 1_000, start=date.today(), actor="bench")
    from assessment.people import demo
    from assessment.rounds import demo as rounds_demo
    from assessment.rounds.models import Participant
    from assessment.rounds.services.codes import code_for

    with schema_context(region.schema_name):
        demo.seed(region, count=20)
        rounds_demo.seed(region)
        participant = Participant.objects.select_related("employee").order_by("pk").first()
        assert participant is not None
        return participant.employee.nip, code_for(participant)


def reused() -> tuple[str, str]:
    """The taker of a previous run's database."""
    from django_tenants.utils import schema_context

    from assessment.rounds.models import Answer, Participant
    from assessment.rounds.services.codes import code_for
    from tenants.models import Region

    with schema_context(Region.objects.get(code="64.02").schema_name):
        Answer.objects.all().delete()  # the sequence numbers start again
        participant = Participant.objects.select_related("employee").order_by("pk").first()
        assert participant is not None
        return participant.employee.nip, code_for(participant)


class Caller:
    """Requests straight into the WSGI application, as gunicorn would hand them over."""

    def __init__(self, cookies: dict[str, str]) -> None:
        from config.wsgi import application

        self.app = application
        self.cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.csrf = cookies.get("csrftoken", "")

    def call(self, method: str, path: str, body: bytes = b"") -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_COOKIE": self.cookie,
            "HTTP_USER_AGENT": "Mozilla/5.0 (bench)",
            "HTTP_ACCEPT": "application/json",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if method == "POST":
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["HTTP_X_CSRFTOKEN"] = self.csrf
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(line)
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return status[0], content


class Run:
    def __init__(self, caller: Caller, items: list[tuple[str, list[str]]]) -> None:
        self.caller, self.items, self.seq = caller, items, 0

    def ping(self) -> None:
        status, content = self.caller.call("GET", "/tes/api/ping")
        assert status.startswith("200"), (status, content[:300])

    def save(self) -> None:
        self.seq += 1
        item, options = self.items[self.seq % len(self.items)]
        body = {"item": item, "response": [options[self.seq % len(options)]], "flagged": False,
                "seq": self.seq, "key": str(uuid.uuid4())}  # fmt: skip
        status, content = self.caller.call("POST", "/tes/api/jawab", json.dumps(body).encode())
        assert status.startswith("200"), (status, content[:300])
        assert b'"saved"' in content, content[:300]


def unprepared(save: Any) -> None:
    """A save whose statement goes as before this change: Django's cursor class (parameters inlined
    as literals by psycopg's ClientCursor), so nothing is prepared."""
    from assessment.rounds.services import saving

    real = saving.psycopg
    saving.psycopg = types.SimpleNamespace(Cursor=real.ClientCursor)  # type: ignore[assignment]
    try:
        save()
    finally:
        saving.psycopg = real


def redis_commands(client: Any) -> int:
    return int(client.info("stats")["total_commands_processed"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000, help="of each kind")
    parser.add_argument("--blocks", type=int, default=10, help="alternating blocks of each kind")
    parser.add_argument("--profile", action="store_true", help="cProfile of --requests more saves")
    parser.add_argument("--strace", action="store_true", help="system calls per request (strace -c)")
    parser.add_argument(
        "--before",
        action="store_true",
        help="also saves with the statement as before: bound client-side by Django's cursor, not prepared",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run")
    parser.add_argument(
        "--profile-out", default="", help="also write the profiles to this path + .ping / .save"
    )
    args = parser.parse_args()
    url = database_url()
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone() is not None
        if not (args.reuse and exists):
            args.reuse = False
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
    folder = Path(tempfile.mkdtemp(prefix="ikd-bench-save-cpu-"))
    redis_server, redis_port = start_redis(folder)
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        REDIS_CACHE_DB="1",
        SCHEMA_POOL_AUTOREFILL="false",
        DEBUG="false",
        CONN_MAX_AGE="3600",  # one backend for the whole run (60 s would reconnect mid-run)
    )
    try:
        measure(args, redis_server.pid)
    finally:
        redis_server.send_signal(signal.SIGTERM)
        redis_server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def measure(args: argparse.Namespace, redis_pid: int) -> None:
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from assessment.rounds.models import Attempt

    nip, code = reused() if args.reuse else seed()
    client = Client(HTTP_HOST=HOST)
    assert client.get("/tes/").status_code == 200
    assert client.post("/tes/", {"nip": nip, "code": code}).status_code == 302
    assert client.post("/tes/mulai/", {"consent": "1"}).status_code == 302
    client.get("/tes/kerjakan/")
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    state = json.loads(client.get("/tes/api/state").content)
    items = [(i["code"], [o["id"] for o in i["options"]]) for i in state["items"] if i["type"] != "ordering"]
    items = [(c, o) for c, o in items if state and o][:10]
    run = Run(Caller(cookies), items)
    connection.close()  # the WSGI handler closes it at each request's end anyway; start clean
    for _ in range(300):  # warm: imports, caches, the connection, the region cache
        run.ping()
        run.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    watcher = redis.Redis.from_url(settings.REDIS_URL)

    kinds: dict[str, Any] = {"ping": run.ping, "save": run.save}
    if args.before:
        kinds["save (before)"] = functools.partial(unprepared, run.save)
    totals = {kind: {"django": 0.0, "postgres": 0.0, "redis": 0.0, "wall": 0.0, "redis_cmds": 0}
              for kind in kinds}  # fmt: skip
    per_block = max(1, args.requests // args.blocks)
    for _ in range(args.blocks):
        for kind, step in kinds.items():
            cmds = redis_commands(watcher)
            pg0, rd0 = cpu_of(backend), cpu_of(redis_pid)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            for _ in range(per_block):
                step()
            cpu1, wall1 = time.process_time(), time.perf_counter()
            pg1, rd1 = cpu_of(backend), cpu_of(redis_pid)
            totals[kind]["django"] += cpu1 - cpu0
            totals[kind]["postgres"] += pg1 - pg0
            totals[kind]["redis"] += rd1 - rd0
            totals[kind]["wall"] += wall1 - wall0
            totals[kind]["redis_cmds"] += redis_commands(watcher) - cmds - 1  # less the INFO itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert int(cursor.fetchone()[0]) == backend, "the connection was replaced during the run"
    n = per_block * args.blocks
    saved = Attempt.objects.count()
    print(
        f"In-process CPU per request ({n:,} of each, {args.blocks} alternating blocks, warm); "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} ({saved} attempt)"
    )
    print(
        f"{'':13} {'Django':>9} {'PostgreSQL':>11} {'Redis':>8} {'total':>9} {'wall':>9} {'Redis cmds':>11}"
    )
    total: dict[str, float] = {}
    for kind, t in totals.items():
        total[kind] = (t["django"] + t["postgres"] + t["redis"]) / n
        print(
            f"{kind:13} {t['django'] / n * 1e3:7.3f}ms {t['postgres'] / n * 1e3:9.3f}ms "
            f"{t['redis'] / n * 1e3:6.3f}ms {total[kind] * 1e3:7.3f}ms {t['wall'] / n * 1e3:7.3f}ms "
            f"{t['redis_cmds'] / n:11.2f}"
        )
    print(
        f"Ratio estimate (CPU per ping / CPU per save, CPU-bound server): {total['ping'] / total['save']:.2f}"
        f"  (Django only: {totals['ping']['django'] / totals['save']['django']:.2f})"
    )
    if "save (before)" in total:
        print(f"Ratio estimate with the statement as before: {total['ping'] / total['save (before)']:.2f}")
    print(f"Capacity estimate on {os.cpu_count()} cores at full CPU: "
          f"{(os.cpu_count() or 1) / total['save']:,.0f} saves/s, "
          f"{(os.cpu_count() or 1) / total['ping']:,.0f} pings/s")  # fmt: skip

    if args.strace and shutil.which("strace"):
        for kind, step in (("ping", run.ping), ("save", run.save)):
            out = Path(tempfile.mkstemp(prefix="ikd-strace-")[1])
            tracer = subprocess.Popen(["strace", "-c", "-f", "-o", str(out), "-p", str(os.getpid())],
                                      stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(1.0)
            count = 500
            for _ in range(count):
                step()
            tracer.send_signal(signal.SIGINT)
            tracer.wait(timeout=30)
            lines = out.read_text().splitlines()
            out.unlink()
            calls = {}
            for line in lines:
                parts = line.split()
                if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                    calls[parts[-1]] = int(parts[3])
            shown = ", ".join(
                f"{name} {c / count:.1f}" for name, c in sorted(calls.items(), key=lambda x: -x[1])
            )
            print(f"system calls per {kind} (strace -c, {count}): {sum(calls.values()) / count:.1f}: {shown}")

    if args.profile:  # CPU time (not wall: waiting on PostgreSQL is no cost to the server's cores)
        for kind, step in (("ping", run.ping), ("save", run.save)):
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.requests):
                step()
            profiler.disable()
            if args.profile_out:
                profiler.dump_stats(f"{args.profile_out}.{kind}")
            for order in ("tottime", "cumulative"):
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(40)
                print(f"\nCPU profile of {args.requests:,} {kind}s by {order}:")
                print("\n".join(text.getvalue().splitlines()[6:52]))


if __name__ == "__main__":
    main()
