"""Billing benchmark, run by hand: ``.venv/bin/python tests/perf/bench_billing.py``.

1. Seat check at round opening: a region of 12,500 employees with an earlier round of 10,303 of them
   in the contract year, and a round of all 12,500 about to open. Times what the opening adds
   (``assessment.rounds.services.seats.check_opening``: the COUNT(DISTINCT) of the period's
   participants and billing's decision, recorded on the contract). Target: < 50 ms.
   Baseline in the same run: a plain ``SELECT count(*)`` of the opening round's participants.
2. Webhook acknowledgement: gunicorn (``config.wsgi``, 2 workers) and a Celery worker (prefork 1), as
   deployed. Signed Stripe events (finalized, sent, paid, and every paid one delivered twice more) for
   ``--invoices`` invoices, posted by ``--clients`` concurrent senders (one run each: 2, as many as
   gunicorn's workers, and 8, four requests queued per worker); each answer is timed, the processing
   is the worker's. Target: p95 < 100 ms. Baseline in the same run: ``/healthz`` (one
   ``SELECT 1``) on the same server with the same clients. Then waits until the worker has processed
   every event and checks that every invoice is paid once.

Prints figures (and ratios to the baselines), asserts nothing. Uses a database of its own
(``ikd_bench_billing``) on ``DATABASE_URL`` or the embedded PostgreSQL, and its own Celery queue.
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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DB = "ikd_bench_billing"
SECRET = "whsec_bench_billing"


def database_url() -> str:
    from config import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    return urlunsplit(urlsplit(base)._replace(path=f"/{DB}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- 1. seats -------------------------------------------------------------------------------------


def bench_seats(region: Any, employees: int, earlier: int, repeats: int) -> None:
    from datetime import time as clock

    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from assessment.instrument.models import ItemBank
    from assessment.people import demo as people_demo
    from assessment.rounds.models import Participant, Round
    from assessment.rounds.services import lifecycle
    from assessment.rounds.services.seats import check_opening

    with schema_context(region.schema_name):
        started = time.perf_counter()
        people_demo.seed(region, count=employees)
        bank = ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first()
        today = timezone.localtime(timezone.now(), region.tzinfo).date()

        def scheduled(name: str) -> Round:
            round_ = lifecycle.create_round(
                lifecycle.RoundSettings(name, bank, 60, 60, True, "after_publication"), None
            )
            lifecycle.add_session(round_, today, clock(0), clock(23, 59), region.tzinfo, None)
            lifecycle.set_participants(round_, mode="all")
            return lifecycle.transition(round_, Round.State.SCHEDULED, None)

        first = scheduled("Ronde awal")
        # The earlier round: 10,303 of them, opened (its state set directly: logins are not measured).
        keep = list(
            Participant.objects.filter(round=first).order_by("pk").values_list("pk", flat=True)[:earlier]
        )
        Participant.objects.filter(round=first).exclude(pk__in=keep).delete()
        Round.objects.filter(pk=first.pk).update(state=Round.State.OPEN)
        opening = scheduled("Ronde utama")
        count = Participant.objects.filter(round=opening).count()
        took = time.perf_counter() - started
        print(f"   set-up: {employees} employees, rounds of {earlier} and {count}: {took:.0f} s")

        check_opening(opening)  # warm: connection, plans, caches
        timings, baseline = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            decision = check_opening(opening)
            timings.append(time.perf_counter() - t)
            t = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM rounds_participant WHERE round_id = %s", [opening.pk])
                cursor.fetchone()
            baseline.append(time.perf_counter() - t)
    median, p95, worst = quantiles(timings)
    base = statistics.median(baseline)
    print(
        f"   seat check at opening ({decision.requested} distinct employees, {repeats} runs): median "
        f"{ms(median)}, p95 {ms(p95)}, max {ms(worst)}; allowed={decision.allowed}, left={decision.left}"
    )
    print(f"   baseline SELECT count(*) of the round: median {ms(base)}; ratio {median / base:.1f}x")
    print(f"   target < 50 ms: {'met' if p95 < 0.05 else 'NOT met'} (p95)")


# --- 2. webhooks ------------------------------------------------------------------------------------


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def signed(event: dict[str, Any]) -> tuple[bytes, str]:
    import stripe

    payload = json.dumps(event).encode()
    ts = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload.decode()}", SECRET)
    return payload, f"t={ts},v1={signature}"


def timed_post(port: int, path: str, body: bytes | None, signature: str) -> tuple[float, int]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        headers={"Host": "localhost", "Content-Type": "application/json", "Stripe-Signature": signature},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local server
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return time.perf_counter() - started, status


def bench_webhooks(region: Any, invoices_count: int, client_counts: list[int], settings_module: Any) -> None:
    from django.db import transaction
    from django.utils import timezone

    from billing.models import Invoice, WebhookEvent
    from billing.services import subscriptions

    subscriptions.update_profile(
        region,
        legal_name="Pemerintah Kabupaten Kutai Kartanegara",
        contact_name="Keuangan",
        contact_email="keuangan@kukarkab.go.id",
        npwp="001234567891000",
        address="Tenggarong",
        actor="bench",
    )
    # Invoices as IKD keeps them, each with the provider id a Stripe invoice would have.
    template = subscriptions.request_upgrade(region, "profesional", 12_500, actor="bench")
    Invoice.objects.filter(pk=template.pk).update(provider_invoice_id="in_bench_0")
    with transaction.atomic():
        for n in range(1, invoices_count):
            template.pk = None
            template.number = subscriptions.next_invoice_number(timezone.localdate().year)
            template.provider_invoice_id = f"in_bench_{n}"
            template.save(force_insert=True)
    invoices = list(Invoice.objects.order_by("pk").values_list("number", "provider_invoice_id", "total"))

    in_process(settings_module)
    port = free_port()
    queue = os.environ["CELERY_QUEUE"]  # this process queues onto it too (main sets it)
    env = {
        **os.environ,
        "REDIS_URL": settings_module.REDIS_URL,
        "CELERY_QUEUE": queue,
        "SCHEMA_POOL_AUTOREFILL": "false",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": "http://127.0.0.1:9",  # never called while processing these events
    }
    bin_dir = Path(sys.executable).parent
    web = start(
        [str(bin_dir / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning"],
        env,
    )  # fmt: skip
    worker = start(
        [str(bin_dir / "celery"), "-A", "config", "worker", "-Q", queue, "--pool", "prefork",
         "--concurrency", "1", "--loglevel", "WARNING"],
        env,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if timed_post(port, "/healthz", None, "")[1] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("the web server did not come up")
        time.sleep(3)  # the worker too
        started = time.perf_counter()
        for run, clients in enumerate(client_counts):
            deliveries = events_for(invoices[run :: len(client_counts)], f"r{run}")
            signed_all = [signed(e) for e in deliveries]
            with ThreadPoolExecutor(clients) as pool:
                health = list(pool.map(lambda _: timed_post(port, "/healthz", None, ""), signed_all))
                began = time.perf_counter()
                acks = list(pool.map(lambda s: timed_post(port, "/billing/webhook/", s[0], s[1]), signed_all))
                sending = time.perf_counter() - began
            statuses = {status for _, status in acks}
            median, p95, worst = quantiles([t for t, _ in acks])
            base_median, base_p95, _ = quantiles([t for t, _ in health])
            distinct = len({e["id"] for e in deliveries})
            print(
                f"   {clients} concurrent clients (gunicorn has 2 workers): {len(acks)} deliveries of "
                f"{distinct} events in {sending:.1f} s; answers {sorted(statuses)}"
            )
            print(f"     acknowledgement: median {ms(median)}, p95 {ms(p95)}, max {ms(worst)}")
            print(
                f"     baseline /healthz: median {ms(base_median)}, p95 {ms(base_p95)}; "
                f"ratio p95 {p95 / base_p95:.1f}x; target p95 < 100 ms: {'met' if p95 < 0.1 else 'NOT met'}"
            )
        deadline = time.monotonic() + 600
        while WebhookEvent.objects.filter(processed_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        done = time.perf_counter() - started
        import redis

        broker = redis.Redis.from_url(settings_module.CELERY_BROKER_URL)
        while broker.llen(queue) and time.monotonic() < deadline:  # repeats queued while unprocessed
            time.sleep(0.5)
        time.sleep(2)
        processed = WebhookEvent.objects.filter(processed_at__isnull=False).count()
        paid_count = Invoice.objects.filter(status=Invoice.Status.PAID).count()
        print(
            f"   worker: {processed} events processed, {paid_count}/{len(invoices)} invoices paid, "
            f"{done:.1f} s after the first delivery"
        )
    finally:
        stop(web)
        stop(worker)


def in_process(settings_module: Any, count: int = 300) -> None:
    """The view's own cost, without HTTP, threads or queueing: Django's test client in this process."""
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="localhost")
    with override_settings(STRIPE_SECRET_KEY="sk_test_bench", STRIPE_WEBHOOK_SECRET=SECRET):

        def ack(i: int) -> float:
            event = {
                "id": f"evt_inproc_{i}",
                "object": "event",
                "type": "customer.updated",
                "created": int(time.time()),
                "data": {"object": {"object": "customer", "id": "cus_bench"}},
            }
            payload, signature = signed(event)
            started = time.perf_counter()
            client.post(
                "/billing/webhook/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            return time.perf_counter() - started

        def health() -> float:
            started = time.perf_counter()
            client.get("/healthz")
            return time.perf_counter() - started

        for i in range(20):  # warm
            ack(-i - 1)
            health()
        acks = [ack(i) for i in range(count)]
        base = [health() for _ in range(count)]
    median, p95, _ = quantiles(acks)
    base_median, base_p95, _ = quantiles(base)
    print(
        f"   in process ({count} events, no HTTP): acknowledgement median {ms(median)}, p95 {ms(p95)}; "
        f"/healthz median {ms(base_median)}, p95 {ms(base_p95)}; ratio p95 {p95 / base_p95:.1f}x"
    )


def events_for(invoices: list[tuple[str, str, int]], run: str) -> list[dict[str, Any]]:
    """finalized, sent and paid for each invoice, and each paid one delivered twice more (retries)."""
    now = int(time.time())
    deliveries: list[dict[str, Any]] = []
    for n, (number, provider_id, total) in enumerate(invoices):
        base = {
            "object": "invoice",
            "id": provider_id,
            "metadata": {"ikd_invoice": number},
            "total": total * 100,
        }
        for offset, (kind, status) in enumerate(
            [("invoice.finalized", "open"), ("invoice.sent", "open"), ("invoice.paid", "paid")]
        ):
            deliveries.append(
                {
                    "id": f"evt_bench_{run}_{n}_{offset}",
                    "object": "event",
                    "type": kind,
                    "created": now - 60 + offset,
                    "data": {"object": dict(base, status=status)},
                }
            )
    paid = [e for e in deliveries if e["type"] == "invoice.paid"]
    return deliveries + paid + paid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=12_500)
    parser.add_argument("--earlier", type=int, default=10_303)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[2, 8], help="concurrent senders, one run each"
    )
    args = parser.parse_args()
    url = database_url()
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["SCHEMA_POOL_AUTOREFILL"] = "false"
    os.environ["STRIPE_SECRET_KEY"] = ""  # the invoices are made in IKD only
    os.environ["CELERY_QUEUE"] = f"bench-billing-{os.getpid()}"  # the bench's worker's queue, here too
    import django

    django.setup()
    from datetime import date

    from django.conf import settings
    from django.core.management import call_command

    from billing.services import subscriptions
    from tenants.services import approval, provisioning
    from tenants.services.signup import SignupRequest, register_region

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.prepare(pool_size=0)
    call_command("load_instrument", verbosity=0)
    region = register_region(
        SignupRequest("64.02", "kukar", "Bench Admin", "bench@kukarkab.go.id", "Bench-Billing-2026!")
    ).region
    region = approval.approve_seeded(region, actor="bench")
    subscriptions.seed_contract(region, "standar", args.employees, start=date.today(), actor="bench")
    print(f"Billing benchmark ({url.rsplit('@', 1)[-1]}, load {os.getloadavg()[0]:.1f})")
    print("1. Seat check at round opening")
    bench_seats(region, args.employees, args.earlier, args.repeats)
    print("2. Webhook acknowledgement (processing in the Celery worker)")
    bench_webhooks(region, args.invoices, args.clients, settings)


if __name__ == "__main__":
    main()
