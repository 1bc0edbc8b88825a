"""The webhook: signature and 300 s tolerance (400 otherwise), events stored by id and processed once,
out-of-order deliveries ending in the right state, and localstripe's own signed deliveries accepted."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from billing.models import Invoice, WebhookEvent
from billing.services import events, subscriptions
from tenants.models import Region
from tests.billing.conftest import WEBHOOK_SECRET
from tests.billing.contracts import as_trial
from tests.billing.stripe_double import StripeDouble, free_port, sign

URL = "/billing/webhook/"


@pytest.fixture
def client() -> Client:
    """The public site, where the provider delivers."""
    return Client(HTTP_HOST="localhost")


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are checked in English here (the pages' Indonesian is checked elsewhere)."""
    with translation.override("en"):
        yield


def post(
    client: Client, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, ts: int | None = None
) -> Any:
    payload = json.dumps(event).encode()
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload, secret, ts)
    )


@pytest.fixture
def issued(profiled_region: Any, stripe_double: StripeDouble) -> Invoice:
    region = as_trial(profiled_region)
    return subscriptions.request_upgrade(region, "standar", 300, actor="admin")


def test_bad_signature_and_old_timestamp_get_400_and_store_nothing(
    client: Client, issued: Invoice, stripe_double: StripeDouble
) -> None:
    paid = dict(stripe_double.invoices[issued.provider_invoice_id], status="paid")
    event = stripe_double.event("invoice.paid", paid)
    assert post(client, event, secret="whsec_someone_else").status_code == 400
    assert post(client, event, ts=int(time.time()) - 301).status_code == 400
    unsigned = client.post(URL, data=json.dumps(event), content_type="application/json")
    assert unsigned.status_code == 400
    tampered = json.dumps(event).encode()
    header = sign(tampered, WEBHOOK_SECRET)
    response = client.post(
        URL,
        data=tampered.replace(b"paid", b"void", 1),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    # Within the tolerance it is accepted.
    assert post(client, event, ts=int(time.time()) - 290).status_code == 200
    assert WebhookEvent.objects.filter(event_id=event["id"]).exists()


def test_same_event_five_times_changes_state_once(
    client: Client, issued: Invoice, stripe_double: StripeDouble, django_capture_on_commit_callbacks: Any
) -> None:
    paid = dict(stripe_double.invoices[issued.provider_invoice_id], status="paid", paid_out_of_band=False)
    event = stripe_double.event("invoice.paid", paid)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answers = [post(client, event) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["new"] for a in answers] == [True, False, False, False, False]
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    # Queued again while unprocessed (a lost task is not lost), but applied once.
    outcomes = [events.process(event["id"]) for _ in range(len(queued))]
    assert outcomes == ["paid"] + ["already processed"] * (len(queued) - 1)
    issued.refresh_from_db()
    assert (issued.status, issued.payment_method) == (Invoice.Status.PAID, Invoice.Method.PROVIDER)
    paid_at = issued.paid_at
    # Delivered again after processing: stored nothing new, queued nothing, changed nothing.
    with django_capture_on_commit_callbacks(execute=False) as later:
        assert post(client, event).json()["new"] is False
    assert later == []
    issued.refresh_from_db()
    assert issued.paid_at == paid_at
    assert Region.objects.get(pk=issued.region_id).status == Region.Status.ACTIVE
    assert subscriptions.current(issued.region).seats == 300


def test_events_out_of_order_end_in_the_right_state(
    client: Client, issued: Invoice, stripe_double: StripeDouble
) -> None:
    remote = stripe_double.invoices[issued.provider_invoice_id]
    t0 = int(time.time()) - 100
    finalized = stripe_double.event("invoice.finalized", dict(remote, status="open"), created=t0)
    sent = stripe_double.event("invoice.sent", dict(remote, status="open"), created=t0 + 1)
    paid = stripe_double.event(
        "invoice.paid", dict(remote, status="paid", paid_out_of_band=True), created=t0 + 5
    )
    updated_old = stripe_double.event("invoice.updated", dict(remote, status="open"), created=t0 + 2)
    # Delivered newest first, and the older ones after it.
    for event in (paid, updated_old, sent, finalized):
        assert post(client, event).status_code == 200
    outcomes = [events.process(e["id"]) for e in (paid, updated_old, sent, finalized)]
    assert outcomes == ["paid"] + ["older than the state held"] * 3
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.PAID
    assert issued.payment_method == Invoice.Method.OUT_OF_BAND
    assert issued.provider_state_at == t0 + 5
    # A void after paid (impossible on Stripe, but delivered anyway) does not undo the payment.
    void = stripe_double.event("invoice.voided", dict(remote, status="void"), created=t0 + 9)
    post(client, void)
    assert events.process(void["id"]) == "final already"
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.PAID


def test_open_then_uncollectible_then_paid_in_any_order(
    client: Client, issued: Invoice, stripe_double: StripeDouble
) -> None:
    remote = stripe_double.invoices[issued.provider_invoice_id]
    t0 = int(time.time()) - 50
    uncollectible = stripe_double.event(
        "invoice.marked_uncollectible", dict(remote, status="uncollectible"), created=t0 + 1
    )
    paid = stripe_double.event("invoice.paid", dict(remote, status="paid"), created=t0 + 3)
    post(client, uncollectible)
    assert events.process(uncollectible["id"]) == "uncollectible"
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.UNCOLLECTIBLE
    post(client, paid)
    assert events.process(paid["id"]) == "paid"
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.PAID


def test_event_for_an_invoice_not_saved_yet_waits(
    client: Client, stripe_double: StripeDouble, db: Any
) -> None:
    obj = stripe_double.event("invoice.paid", {"object": "invoice", "id": "in_x", "status": "paid"})
    obj["data"]["object"]["metadata"] = {"ikd_invoice": "IKD/2099/00001"}
    post(client, obj)
    assert events.process(obj["id"]) == events.NOT_YET
    assert WebhookEvent.objects.get(event_id=obj["id"]).processed_at is None
    foreign = stripe_double.event("invoice.paid", {"object": "invoice", "id": "in_y", "status": "paid"})
    post(client, foreign)
    assert events.process(foreign["id"]) == "unknown invoice"  # not ours: recorded, left alone


def test_without_a_provider_the_endpoint_does_not_exist(client: Client, settings: Any, db: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    assert client.post(URL, data="{}", content_type="application/json").status_code == 404
    assert client.get(URL).status_code in {404, 405}


class _Catcher(BaseHTTPRequestHandler):
    deliveries: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.deliveries.append((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_localstripe_signed_delivery_is_verified(
    client: Client, profiled_region: Any, stripe_double: StripeDouble, localstripe_url: str
) -> None:
    """localstripe signs its deliveries like Stripe: caught on loopback, replayed to the endpoint."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Catcher)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        config = json.dumps({"url": f"http://127.0.0.1:{port}/", "secret": WEBHOOK_SECRET}).encode()
        request = urllib.request.Request(  # noqa: S310 - localstripe on 127.0.0.1
            f"{localstripe_url}/_config/webhooks/ikd",
            data=config,
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - localstripe on 127.0.0.1
        subscriptions.request_upgrade(
            as_trial(profiled_region), "standar", 10, actor="admin"
        )  # customer.created
        deadline = time.monotonic() + 10
        while not _Catcher.deliveries and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
    assert _Catcher.deliveries, "localstripe sent no webhook"
    body, signature = _Catcher.deliveries[0]
    response = client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200
    stored = WebhookEvent.objects.get(event_id=json.loads(body)["id"])
    assert stored.type.startswith("customer.")
    assert events.process(stored.event_id) == "ignored"
    bad = client.post(URL, data=body + b" ", content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert bad.status_code == 400
