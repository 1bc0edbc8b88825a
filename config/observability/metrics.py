"""The metrics IKD exports, how they are recorded and how a scrape renders them.

Names (Prometheus conventions: ``_total`` counters, ``_seconds`` histograms):

- ``ikd_http_requests_total{route, status}`` and ``ikd_http_request_duration_seconds{route}``: every
  request, by route (resolver ``url_name``, else the route pattern; ``static``, ``unmatched``) and
  status class (``2xx`` ...). Rates and quantiles come from PromQL (``rate()``, ``histogram_quantile``).
- ``ikd_testday_answer_saves_total{region, outcome}``: answers taken by the test-day endpoint
  (outcome ``saved``, ``duplicate``, ``stale``); saves per second is ``rate()`` of it.
- ``ikd_celery_tasks_total{task, outcome}`` and ``ikd_celery_task_duration_seconds{task}``: every task
  run by a worker (outcome ``success``, ``failure``, ``retry``).
- ``ikd_scoring_runs_total{region, outcome}`` and ``ikd_imports_total{region, stage, outcome}``: the
  scoring of a round and the employee imports (check, commit), from the same task signals.
- ``ikd_celery_queue_depth{queue}`` and ``ikd_celery_broker_up``: read from Redis at scrape time.

Several processes. Without ``PROMETHEUS_MULTIPROC_DIR`` the values live in this process's memory (the
demo, ``runserver``, tests). With it (production: gunicorn with several workers, Celery's prefork pool)
prometheus_client keeps them in files in that directory and a scrape adds up every process's files. The
directory must exist and be emptied before the processes start (deploy/: ``rm -rf "$DIR"/*`` in the
unit's ExecStartPre or the container's entrypoint), be shared by gunicorn and the Celery worker of one
host (then the worker's task counters appear on the web's ``/metrics``), and gunicorn's config should
call :func:`gunicorn_child_exit` from its ``child_exit`` hook so that a dead worker's live gauges are
dropped (its counters are kept, as they must be). Where the worker runs on other hosts than the web
(Kubernetes), set ``METRICS_WORKER_PORT`` on the worker: it then serves its own ``/metrics`` on that port
(no token: keep the port off the Service, behind a NetworkPolicy, and scrape the pods).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

# Latency buckets around the test day's target (p99 < 250 ms).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_TASK_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

# The app's own metrics, kept off prometheus_client's global registry: in multiprocess mode a scrape
# reads the files instead, and nothing here is registered twice when a test reloads a module.
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "ikd_http_requests",
    "HTTP requests answered, by route name and status class.",
    ["route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "ikd_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
ANSWER_SAVES = Counter(
    "ikd_testday_answer_saves",
    "Answers received by the test-day save endpoint, by region schema and outcome.",
    ["region", "outcome"],
    registry=REGISTRY,
)
CELERY_TASKS = Counter(
    "ikd_celery_tasks",
    "Celery tasks run, by task name and outcome.",
    ["task", "outcome"],
    registry=REGISTRY,
)
CELERY_TASK_DURATION = Histogram(
    "ikd_celery_task_duration_seconds",
    "Run time of Celery tasks, by task name.",
    ["task"],
    buckets=_TASK_BUCKETS,
    registry=REGISTRY,
)
SCORING_RUNS = Counter(
    "ikd_scoring_runs",
    "Scoring runs of a round (task results.score_round), by region schema and outcome.",
    ["region", "outcome"],
    registry=REGISTRY,
)
IMPORTS = Counter(
    "ikd_imports",
    "Employee imports (check and commit stages), by region schema, stage and outcome.",
    ["region", "stage", "outcome"],
    registry=REGISTRY,
)

# Task names counted again under their business names.
SCORING_TASKS = frozenset({"results.score_round"})
IMPORT_TASKS = {"people.check_import": "check", "people.commit_import": "commit"}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


# Label children by label values: ``labels()`` validates and hashes its arguments on every call (about
# 1.5 us); a dict lookup is 0.1 us. Bounded like the labels themselves (routes x status classes).
_request_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def request_done(route: str, status: str, seconds: float) -> None:
    """One answered request (called by the middleware)."""
    children = _request_children.get((route, status))
    if children is None:
        children = (HTTP_REQUESTS.labels(route, status), HTTP_LATENCY.labels(route))
        _request_children[(route, status)] = children
    children[0].inc()
    children[1].observe(seconds)


def answer_saved(region: str, outcome: str) -> None:
    """One answer through the test-day endpoint (called by the view, after the save)."""
    ANSWER_SAVES.labels(region, outcome).inc()


def task_finished(task: str, outcome: str, region: str, seconds: float | None) -> None:
    """One Celery task run (from the worker's signals, :mod:`config.observability.signals`)."""
    CELERY_TASKS.labels(task, outcome).inc()
    if seconds is not None:
        CELERY_TASK_DURATION.labels(task).observe(seconds)
    if task in SCORING_TASKS:
        SCORING_RUNS.labels(region, outcome).inc()
    elif task in IMPORT_TASKS:
        IMPORTS.labels(region, IMPORT_TASKS[task], outcome).inc()


# --- Read at scrape time: the Celery queues' depth in the broker ---


def _queue_names() -> list[str]:
    from django.conf import settings

    names = [settings.CELERY_TASK_DEFAULT_QUEUE]
    for queue in getattr(settings, "CELERY_TASK_QUEUES", None) or ():
        name = getattr(queue, "name", queue)
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


def queue_depths(queues: Iterable[str], timeout: float = 2.0) -> dict[str, int]:
    """Messages waiting in each queue: ``LLEN`` of its lists (one per priority step) in the broker.

    Through kombu's Redis channel, so a Unix socket (the embedded mode) or Sentinel broker URL works
    as Celery's does. Raises what the connection raises when the broker does not answer.
    """
    from django.conf import settings
    from kombu import Connection

    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "max_retries": 0,  # one try: a scrape or a probe must not wait on the broker's retry policy
        "connect_retries_timeout": timeout,
    }
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=timeout) as conn:
        channel: Any = conn.default_channel
        return {queue: int(channel._size(queue)) for queue in queues}


class QueueDepthCollector:
    """``ikd_celery_queue_depth{queue}`` and ``ikd_celery_broker_up``, read when scraped."""

    def describe(self) -> list[Metric]:  # no broker call at registration
        return [
            GaugeMetricFamily(
                "ikd_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
            ),
            GaugeMetricFamily("ikd_celery_broker_up", "1 if the broker answered the scrape's query."),
        ]

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "ikd_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        try:
            depths = queue_depths(_queue_names())
        except Exception:  # the broker is down: say so rather than fail the whole scrape
            up = 0
        else:
            up = 1
            for queue, count in depths.items():
                depth.add_metric([queue], count)
            yield depth
        yield GaugeMetricFamily("ikd_celery_broker_up", "1 if the broker answered the scrape's query.", up)


def render() -> bytes:
    """The exposition text of a scrape: this process's (or all processes') values, then the queues."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REGISTRY)  # a registry is a collector too
    registry.register(QueueDepthCollector())
    return generate_latest(registry)


def gunicorn_child_exit(server: object, worker: Any) -> None:
    """For gunicorn's config file: ``child_exit = config.observability.metrics.gunicorn_child_exit``."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def start_worker_server() -> None:
    """The Celery worker's own ``/metrics`` on ``METRICS_WORKER_PORT`` (see the module docstring)."""
    port = os.environ.get("METRICS_WORKER_PORT")
    if not port:
        return
    from prometheus_client import start_http_server

    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REGISTRY)
    address = os.environ.get("METRICS_WORKER_ADDR", "0.0.0.0")  # noqa: S104 - the pod's own interfaces
    start_http_server(int(port), addr=address, registry=registry)
