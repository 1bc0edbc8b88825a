"""gunicorn's settings in the container image (deploy/Dockerfile, compose and Kubernetes).

The same flags as deploy/ikd-web.service, except the address: in a container gunicorn listens on all
interfaces of the container's own network namespace, and only nginx (compose) or the ingress controller
(Kubernetes, deploy/k8s/web-networkpolicy.yaml) reaches it. Workers: ``WEB_CONCURRENCY``, the worker
class ``GUNICORN_WORKER_CLASS`` and threads ``GUNICORN_THREADS``; the defaults are the measured best for
a 2-core machine (below). Scale with containers rather than with one large one; for a container given
one core, set ``WEB_CONCURRENCY`` to about half the default.

Metrics over several workers (config/observability/metrics.py): with ``PROMETHEUS_MULTIPROC_DIR`` set,
the directory is emptied and made when the master starts, before any worker writes to it (a container
restarted in the same pod keeps its emptyDir, and stale files would count twice), and a dead worker's
live gauges are dropped in ``child_exit``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = "0.0.0.0:8000"
# The worker model, chosen by measurement on 2 cores (docs/testday-performance.md, tests/perf/bench_kukar.py):
# sync workers, one per core and one (3 on 2 cores: more saves per second than 2, 4 or 5, or than
# threads; ASGI workers far behind); see the figures there.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 60
graceful_timeout = 30
# Heartbeat files in memory: the root filesystem is read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - the container's own memory, not a shared /tmp
# The access log masks keys in addresses (config/logredact.py).
logger_class = "config.logredact.GunicornLogger"


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(mode=0o700, parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from config.observability.metrics import gunicorn_child_exit

        gunicorn_child_exit(server, worker)
