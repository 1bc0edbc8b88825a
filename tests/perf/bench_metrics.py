"""What the observability middleware costs per request: a no-op view with and without it.

Run by hand (under a minute):
    .venv/bin/python tests/perf/bench_metrics.py [--requests 20000] [--rounds 7]

The view is ``/healthz`` on the public host, which touches no database (liveness). Requests go through
Django's WSGI handler in this process (no server, no socket), once with the settings' full middleware
list and once with the same list minus ``ObservabilityMiddleware`` (plus a second copy of the latter,
the control, whose ratio shows the run's noise), in short batches in shuffled order; the figures are
the median and the minimum per-request time of each, their ratio, and the difference in microseconds;
then the middleware alone around a view that returns at once. It is run twice: values in process
memory (the default) and in prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``, as
under gunicorn with several workers), each in a child process since
the mode is chosen when prometheus_client is imported. The middleware adds the same absolute time to
every request; against a real test-day save (a few ms through gunicorn and PostgreSQL) the ratio is
far smaller than against this no-op.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = "config.observability.middleware.ObservabilityMiddleware"


def child(requests: int, rounds: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    def handler(middleware: list[str]) -> WSGIHandler:
        with override_settings(MIDDLEWARE=middleware):
            return WSGIHandler()

    with_it = handler(list(settings.MIDDLEWARE))
    without = handler([m for m in settings.MIDDLEWARE if m != OBSERVABILITY])
    assert OBSERVABILITY in settings.MIDDLEWARE

    def environ() -> dict[str, object]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/healthz",
            "SERVER_NAME": settings.BASE_DOMAIN,
            "SERVER_PORT": "80",
            "HTTP_HOST": settings.BASE_DOMAIN,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
        }

    def start_response(status: str, headers: object, exc_info: object = None) -> None:
        assert status.startswith("200"), status

    def per_request(app: WSGIHandler, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            body = app(environ(), start_response)  # type: ignore[arg-type]
            b"".join(body)
            body.close()  # request_finished, as a server does
        return (time.perf_counter() - start) / n

    control = handler([m for m in settings.MIDDLEWARE if m != OBSERVABILITY])
    apps = {"with": with_it, "without": without, "control": control}
    for app in apps.values():
        per_request(app, 500)  # warm (imports, URL resolvers, first metric series)
    # Short batches in a shuffled order, many rounds: the machine is shared, and drift or a neighbour's
    # burst then falls on all three alike. "control" is a second handler without the middleware: its
    # ratio to "without" is the noise floor of this run.
    shuffle = random.Random(19)
    times: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(rounds):
        order = list(apps)
        shuffle.shuffle(order)
        for name in order:
            times[name].append(per_request(apps[name], requests))
    mode = "multiprocess files" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "in-process memory"
    # The middleware alone, around a view that returns at once: steadier than the difference above.
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import JsonResponse

    from config.observability.middleware import ObservabilityMiddleware

    ready = JsonResponse({"status": "ok"})
    alone = ObservabilityMiddleware(lambda request: ready)
    batch = [WSGIRequest(environ()) for _ in range(20000)]
    start = time.perf_counter()
    for request in batch:
        alone(request)
    alone_us = (time.perf_counter() - start) / len(batch) * 1e6
    print(f"  {mode:<19} the middleware alone: {alone_us:5.1f} us/request")
    for stat_name, stat in (("median", statistics.median), ("min", min)):
        base, observed, floor = (stat(times[name]) for name in ("without", "with", "control"))
        print(
            f"  {mode:<19} {stat_name:<6} without {base * 1e6:6.1f} us   with {observed * 1e6:6.1f} us   "
            f"ratio {observed / base:5.3f}   overhead {(observed - base) * 1e6:5.1f} us   "
            f"(control ratio {floor / base:5.3f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200, help="per batch")
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.rounds)
        return
    print(f"No-op view /healthz, batches of {args.requests} requests x {args.rounds} rounds per handler:")
    command = [sys.executable, __file__, "--child", f"--requests={args.requests}", f"--rounds={args.rounds}"]
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    subprocess.run(command, env=env, check=True)
    with tempfile.TemporaryDirectory(prefix="ikd-bench-metrics-") as directory:
        subprocess.run(command, env={**env, "PROMETHEUS_MULTIPROC_DIR": directory}, check=True)


if __name__ == "__main__":
    main()
