"""Observability (issue #19, point 6): the metrics endpoint and its gate, request and test-day counters,
Celery queue depth and task counters, JSON logs with request id and region, liveness vs readiness."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families

from config.logredact import RedactingFilter
from config.observability import metrics
from config.observability.jsonlog import JsonFormatter
from tests.assessment.rounds.conftest import staffed  # noqa: F401 - a fixture used below
from tests.assessment.rounds.test_answer_shapes import of_type, save, signed_in

TOKEN = "scrape-" + "x" * 24
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def scrape(client: Client | None = None, **headers: Any) -> Any:
    client = client or Client()
    return client.get("/metrics", HTTP_HOST=settings.BASE_DOMAIN, **headers)


def value(text: str, name: str, **labels: str) -> float:
    """The sample ``name`` with exactly these labels in an exposition text, 0 when absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def current() -> str:
    with override_settings(METRICS_TOKEN=TOKEN):
        response = scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


# --- The gate ---


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
def test_metrics_are_refused_without_the_token_or_with_a_wrong_one() -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = scrape(**headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"ikd_" not in response.content


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_are_served_with_the_token_on_any_host() -> None:
    for host in (settings.BASE_DOMAIN, "samarinda.localhost", "10.1.2.3:8000"):
        response = Client().get("/metrics", HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, host
        assert response["Content-Type"].startswith("text/plain")
        assert b"ikd_celery_broker_up" in response.content


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=[])
def test_without_token_or_network_the_endpoint_does_not_exist() -> None:
    assert scrape().status_code == 404


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_an_allowed_network_is_trusted_only_for_direct_requests() -> None:
    assert scrape(REMOTE_ADDR="10.4.5.6").status_code == 200
    assert scrape(REMOTE_ADDR="192.168.1.1").status_code == 401
    # Through the public proxy (which adds X-Forwarded-For) the proxy's own address proves nothing.
    assert scrape(REMOTE_ADDR="10.4.5.6", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 401


# --- What is counted ---


def test_requests_are_counted_by_route_name_and_status_class(db: Any) -> None:
    before = current()
    client = Client()
    assert client.get("/healthz", HTTP_HOST=settings.BASE_DOMAIN).status_code == 200
    assert client.get("/no/such/page/12345", HTTP_HOST=settings.BASE_DOMAIN).status_code == 404
    after = current()
    name = "ikd_http_requests_total"
    assert (
        value(after, name, route="healthz", status="2xx")
        == value(before, name, route="healthz", status="2xx") + 1
    )
    assert value(after, name, route="unmatched", status="4xx") == (
        value(before, name, route="unmatched", status="4xx") + 1
    )
    count = "ikd_http_request_duration_seconds_count"
    assert value(after, count, route="healthz") == value(before, count, route="healthz") + 1
    # The raw path never becomes a label (label values only: a sample's value or timestamp may
    # happen to hold the same digits).
    assert not re.search(r'="[^"]*(no/such|12345)[^"]*"', after)


@pytest.mark.django_db
def test_a_saved_answer_moves_the_test_day_counter_with_its_region(staffed: Any) -> None:  # noqa: F811
    client, attempt = signed_in(staffed)
    code = of_type(attempt, "single_choice")
    region = staffed.schema_name
    name = "ikd_testday_answer_saves_total"
    before = current()
    assert save(client, code, attempt.option_order[code][:1], seq=1).json()["outcome"] == "saved"
    assert save(client, code, attempt.option_order[code][:1], seq=1).json()["outcome"] in {
        "duplicate",
        "stale",
    }
    after = current()
    assert (
        value(after, name, region=region, outcome="saved")
        == value(before, name, region=region, outcome="saved") + 1
    )
    answered = sum(value(after, name, region=region, outcome=o) for o in ("saved", "duplicate", "stale"))
    assert (
        answered
        == sum(value(before, name, region=region, outcome=o) for o in ("saved", "duplicate", "stale")) + 2
    )
    route = value(after, "ikd_http_requests_total", route="taker_api_answer", status="2xx")
    assert route >= 2


def test_celery_tasks_scoring_runs_and_imports_are_counted_by_region() -> None:
    from celery import signals

    class Request:
        def __init__(self, task_id: str) -> None:
            self.id = task_id
            self.headers = {"_schema_name": "kab_uji_metrik"}

    class Task:
        def __init__(self, name: str, task_id: str) -> None:
            self.name, self.request = name, Request(task_id)

    before = current()
    score, check = Task("results.score_round", "t-1"), Task("people.check_import", "t-2")
    signals.task_prerun.send(sender=score, task_id="t-1", task=score)
    signals.task_postrun.send(sender=score, task_id="t-1", task=score, state="SUCCESS")
    signals.task_prerun.send(sender=check, task_id="t-2", task=check)
    signals.task_failure.send(sender=check, task_id="t-2", exception=ValueError("x"))
    signals.task_postrun.send(sender=check, task_id="t-2", task=check, state="FAILURE")
    after = current()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("ikd_scoring_runs_total", region="kab_uji_metrik", outcome="success") == 1
    assert moved("ikd_imports_total", region="kab_uji_metrik", stage="check", outcome="failure") == 1
    assert moved("ikd_celery_tasks_total", task="results.score_round", outcome="success") == 1
    assert moved("ikd_celery_tasks_total", task="people.check_import", outcome="failure") == 1
    assert moved("ikd_celery_task_duration_seconds_count", task="results.score_round") == 1


def test_the_celery_queue_depth_is_read_from_redis_at_scrape_time() -> None:
    queue = f"ikd-observe-test-{uuid.uuid4().hex[:8]}"
    with Connection(settings.CELERY_BROKER_URL) as conn:
        redis = conn.default_channel.client
        try:
            redis.lpush(queue, "a", "b", "c")
            redis.lpush(f"{queue}\x06\x163", "d")  # a message sent with priority 3: its own list
            with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
                text = current()
        finally:
            redis.delete(queue, f"{queue}\x06\x163")
    assert value(text, "ikd_celery_queue_depth", queue=queue) == 4
    assert value(text, "ikd_celery_broker_up") == 1


def test_an_unreachable_broker_is_reported_not_fatal_to_the_scrape() -> None:
    with override_settings(CELERY_BROKER_URL=CLOSED):
        text = current()
    assert value(text, "ikd_celery_broker_up") == 0
    assert "ikd_http_requests_total" in text or "ikd_http_requests" in text


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept() -> None:
    client = Client()
    kept = client.get("/healthz", HTTP_HOST=settings.BASE_DOMAIN, HTTP_X_REQUEST_ID="abc123-req.7")
    assert kept["X-Request-ID"] == "abc123-req.7"
    for bad in ('x" injected="1', "a" * 200, "line\nbreak"):
        replaced = client.get("/healthz", HTTP_HOST=settings.BASE_DOMAIN, HTTP_X_REQUEST_ID=bad)
        assert replaced["X-Request-ID"] != bad
        assert len(replaced["X-Request-ID"]) == 32
    generated = client.get("/healthz", HTTP_HOST=settings.BASE_DOMAIN)["X-Request-ID"]
    assert generated
    assert generated != client.get("/healthz", HTTP_HOST=settings.BASE_DOMAIN)["X-Request-ID"]


# --- JSON logs ---


@pytest.fixture
def json_log() -> Any:
    """The console handler's setup with LOG_FORMAT=json (redaction first), into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_log_lines_carry_the_request_id_and_the_region(region_a: Any, json_log: io.StringIO) -> None:
    host = region_a.get_primary_domain().domain
    response = Client().get("/no-such-page/", HTTP_HOST=host, HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 404
    lines = [r for r in records(json_log) if r["logger"] == "django.request"]
    assert lines, json_log.getvalue()
    line = lines[-1]
    assert {"time", "level", "logger", "message"} <= set(line)
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-42"
    assert line["region"] == region_a.schema_name


def test_json_log_lines_are_redacted_and_carry_tracebacks(json_log: io.StringIO) -> None:
    logger = logging.getLogger("ikd.test.observability")
    logger.warning("taker %s signed in", "198703122010011003")
    try:
        raise ValueError("duplicate key 198703122010011003")
    except ValueError:
        logger.exception("import failed")
    first, second = records(json_log)[-2:]
    assert "198703122010011003" not in json_log.getvalue()
    assert first["message"] == "taker [redacted] signed in"
    assert "ValueError" in second["exception"]
    assert "[redacted]" in second["exception"]
    assert "region" not in first  # the public schema is no region


# --- Liveness and readiness ---


def test_healthz_answers_without_touching_the_database(db: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz", HTTP_HOST=settings.BASE_DOMAIN)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_200_when_postgresql_and_redis_answer(db: Any) -> None:
    response = Client().get("/readyz", HTTP_HOST=settings.BASE_DOMAIN)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        "failed": [],
    }


def test_readyz_is_503_and_names_redis_when_it_is_unreachable(db: Any) -> None:
    caches = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED}}
    with override_settings(CACHES=caches, CELERY_BROKER_URL=CLOSED, READYZ_TIMEOUT=1):
        response = Client().get("/readyz", HTTP_HOST="10.1.2.3:8000")  # a probe addresses the pod
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache", "broker"]
    assert body["checks"]["database"] == "ok"
    assert "127.0.0.1" not in response.content.decode()  # the reasons go to the log, not the answer


def test_the_metric_names_follow_the_documented_ones() -> None:
    names = {family.name for family in text_string_to_metric_families(metrics.render().decode())}
    assert {"ikd_celery_broker_up"} <= names


def test_several_processes_add_up_in_multiprocess_mode(tmp_path: Any) -> None:
    """As under gunicorn with several workers: each process writes its own file, a scrape sums them."""
    import subprocess
    import sys

    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    code = "from config.observability import metrics; metrics.answer_saved('kab_proses', 'saved')"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(3):
        subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, check=True)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(tmp_path))
    text = generate_latest(registry).decode()
    assert value(text, "ikd_testday_answer_saves_total", region="kab_proses", outcome="saved") == 3
