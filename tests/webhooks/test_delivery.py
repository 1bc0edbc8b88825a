"""Sending: the signature a receiver checks, retries with back-off, no retry on a refusal, idempotent
re-runs, and the SSRF guard, all against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from webhooks.events import Event, emit
from webhooks.models import Delivery, Endpoint
from webhooks.services import addresses, delivering, signing, transport
from webhooks.tasks import send_delivery

from .conftest import Dripper, Receiver

ALL = [str(e) for e in Event if e is not Event.TEST]


def endpoint(url: str, events: list[str] | None = None, **extra: Any) -> Endpoint:
    return Endpoint.objects.create(url=url, events=events or ALL, **extra)


def test_a_delivery_is_signed_and_the_receiver_verifies_it(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    with schema_context(region_a.schema_name):
        hook = endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.ROUND_OPENED, {"round": {"id": 7, "name": "Pengukuran"}})
        delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    (got,) = receiver.requests
    assert got.path == "/ikd/hook"
    assert signing.verify(got.body, got.headers["IKD-Signature"], hook.secret) > 0
    assert got.headers["IKD-Event"] == str(delivery.event_id)
    assert got.headers["IKD-Delivery"] == str(delivery.pk)
    sent = json.loads(got.body)
    assert sent["type"] == "round.opened"
    assert sent["id"] == str(delivery.event_id)
    assert sent["region"] == region_a.code
    assert sent["data"] == {"round": {"id": 7, "name": "Pengukuran"}}
    with pytest.raises(signing.SignatureError):
        signing.verify(got.body, got.headers["IKD-Signature"], "whsec_another")
    with pytest.raises(signing.SignatureError):
        signing.verify(
            got.body.replace(b"Pengukuran", b"Pengukuran!"), got.headers["IKD-Signature"], hook.secret
        )


def test_the_timestamp_tolerance_refuses_old_and_accepts_recent() -> None:
    body = b'{"a":1}'
    header = signing.sign(body, "whsec_x", timestamp=1_000_000)
    assert signing.verify(body, header, "whsec_x", now=1_000_000 + 299) == 1_000_000
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(body, header, "whsec_x", now=1_000_000 + 301)
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(body, header, "whsec_x", now=1_000_000 - 301)  # from the future
    with pytest.raises(signing.SignatureError):
        signing.verify(body, "t=abc", "whsec_x")
    # A fresh signature verifies with the default tolerance.
    assert signing.verify(body, signing.sign(body, "whsec_x"), "whsec_x") >= int(time.time()) - 1


def test_a_500_is_retried_with_back_off_then_succeeds(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.script = [500, 503]
    with schema_context(region_a.schema_name):
        endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.ROUND_CLOSED, {"round": {"id": 1, "name": "R"}})
        delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.attempts == 3
    assert [h["code"] for h in delivery.history] == [500, 503, 200]
    assert "HTTP 500" in delivery.history[0]["error"]
    assert len(receiver.requests) == 3
    assert len({r.headers["IKD-Event"] for r in receiver.requests}) == 1  # the same event id each time
    assert delivery.next_attempt_at is None


def test_a_lasting_failure_is_given_up_after_the_last_attempt(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.default = 429
    with schema_context(region_a.schema_name):
        endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.IMPORT_FINISHED, {"import": {"id": "x"}})
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.GAVE_UP, delivering.MAX_ATTEMPTS)
    assert len(receiver.requests) == delivering.MAX_ATTEMPTS


def test_the_back_off_grows_with_jitter_to_about_a_day() -> None:
    rng = random.Random(1)
    delays = [delivering.retry_delay(n, rng) for n in range(1, delivering.MAX_ATTEMPTS)]
    for delay, base in zip(delays, delivering.BACKOFF_SECONDS, strict=True):
        assert base * 0.8 <= delay <= base * 1.2
    assert delays == sorted(delays)
    assert 12 * 3600 < sum(delays) < 24 * 3600


@pytest.mark.parametrize("status", [400, 401, 404, 410, 301])
def test_a_refusal_is_not_retried(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any, status: int
) -> None:
    receiver.default = status
    with schema_context(region_a.schema_name):
        endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.RESULTS_ANNOUNCED, {"round": {"id": 1, "name": "R"}})
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Delivery.Status.GAVE_UP,
        1,
        status,
    )
    assert len(receiver.requests) == 1


def test_a_network_error_is_retried(region_a: Any, eager: None, receiver: Receiver) -> None:
    with schema_context(region_a.schema_name):
        hook = endpoint("http://127.0.0.1:9/nobody-listens")  # the discard port: connection refused
        delivery = Delivery.objects.create(endpoint=hook, event="round.opened", payload={"x": 1})
        outcome = delivering.attempt(delivery.pk, 1)
    assert outcome is not None
    assert outcome.retry_in is not None
    assert outcome.delivery.status == Delivery.Status.FAILED
    assert outcome.delivery.last_status_code is None
    assert outcome.delivery.last_error
    assert outcome.delivery.next_attempt_at is not None


def test_running_a_task_again_sends_nothing_more(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    """acks_late: a worker that died after the send runs the task again; it finds the attempt made."""
    with schema_context(region_a.schema_name):
        endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.ROUND_OPENED, {"round": {"id": 1, "name": "R"}})
        delivery = Delivery.objects.get()
        schema = region_a.schema_name
    assert send_delivery.apply(args=(delivery.pk, 1), headers={"_schema_name": schema}).get() == "succeeded"
    assert send_delivery.apply(args=(delivery.pk, 2), headers={"_schema_name": schema}).get() == "succeeded"
    assert len(receiver.requests) == 1
    with schema_context(schema):
        assert Delivery.objects.get().attempts == 1


def test_only_subscribed_active_endpoints_get_the_event(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    with schema_context(region_a.schema_name):
        wanted = endpoint(receiver.url, ["round.opened"])
        endpoint(receiver.url + "/other", ["round.closed"])
        endpoint(receiver.url + "/off", ["round.opened"], active=False)
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.ROUND_OPENED, {"round": {"id": 1, "name": "R"}})
        assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [wanted.pk]
    assert [r.path for r in receiver.requests] == ["/ikd/hook"]


def test_payloads_must_be_plain_data(region_a: Any, eager: None, receiver: Receiver) -> None:
    with schema_context(region_a.schema_name):
        endpoint(receiver.url)
        with pytest.raises(TypeError):
            emit(Event.ROUND_OPENED, {"round": object()})


# --- SSRF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://user:pw@8.8.8.8/hook",
        "https://[fec0::1]/hook",  # site-local
        "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
        "https://[::ffff:169.254.169.254]/hook",  # IPv4-mapped
    ],
)
def test_private_and_plain_http_addresses_are_refused_on_save(region_a: Any, settings: Any, url: str) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with schema_context(region_a.schema_name):
        with pytest.raises(ValidationError):
            Endpoint.objects.create(url=url, events=ALL)
        assert not Endpoint.objects.exists()


def test_a_public_literal_address_is_accepted(region_a: Any, settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with schema_context(region_a.schema_name):
        assert Endpoint.objects.create(url="https://8.8.8.8/hook", events=ALL).pk


def test_the_address_is_checked_again_when_sending(
    region_a: Any, eager: None, settings: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    """An endpoint saved while private addresses were allowed (or a name re-pointed since) is not
    reached: the check runs again after resolving, and the refusal is final."""
    with schema_context(region_a.schema_name):
        endpoint(receiver.url.replace("http://127.0.0.1", "https://localhost"))
        settings.WEBHOOKS_ALLOW_PRIVATE = False
        with django_capture_on_commit_callbacks(execute=True):
            emit(Event.ROUND_OPENED, {"round": {"id": 1, "name": "R"}})
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.GAVE_UP, 1)
    assert "localhost" in delivery.last_error  # "... leads to a private or internal network address"
    assert receiver.requests == []


def test_a_disabled_endpoint_is_not_sent_queued_deliveries(
    region_a: Any, eager: None, receiver: Receiver
) -> None:
    with schema_context(region_a.schema_name):
        hook = endpoint(receiver.url)
        delivery = Delivery.objects.create(endpoint=hook, event="round.opened", payload={"x": 1})
        Endpoint.objects.filter(pk=hook.pk).update(active=False)
        outcome = delivering.attempt(delivery.pk, 1)
    assert outcome is not None
    assert outcome.delivery.status == Delivery.Status.GAVE_UP
    assert receiver.requests == []


def test_attempts_whose_task_was_lost_are_queued_again(
    region_a: Any, eager: None, receiver: Receiver
) -> None:
    """A broker that lost the message, or a region read-only while the delivery waited: the sweep sends
    what is more than 15 minutes late, once, and leaves recent and finished deliveries alone."""
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.tasks import send_overdue_everywhere

    with schema_context(region_a.schema_name):
        hook = endpoint(receiver.url)
        lost = Delivery.objects.create(endpoint=hook, event="round.opened", payload={"n": "lost"})
        Delivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=20))
        late = Delivery.objects.create(
            endpoint=hook,
            event="round.closed",
            payload={"n": "late"},
            status="failed",
            attempts=2,
            next_attempt_at=timezone.now() - timedelta(minutes=30),
        )
        Delivery.objects.create(endpoint=hook, event="round.opened", payload={"n": "recent"})
    assert send_overdue_everywhere.apply().get() >= 2  # regions A and B (and any other writable one)
    assert sorted(json.loads(r.body)["n"] for r in receiver.requests) == ["late", "lost"]
    with schema_context(region_a.schema_name):
        assert Delivery.objects.get(pk=late.pk).attempts == 3
        assert Delivery.objects.get(pk=lost.pk).status == Delivery.Status.SUCCEEDED
    send_overdue_everywhere.apply()
    assert len(receiver.requests) == 2


def test_ipv6_ranges_that_lead_elsewhere_are_not_public() -> None:
    import ipaddress

    for refused in ("fec0::1", "feff::1", "2002:808:808::1", "2001::1", "2001:0:ffff::1", "::ffff:10.0.0.1"):
        assert not addresses.is_public(ipaddress.ip_address(refused)), refused
    for public in ("2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "8.8.8.8"):
        assert addresses.is_public(ipaddress.ip_address(public)), public


# --- The send's deadline ----------------------------------------------------------------------------


def test_a_body_dripped_after_a_quick_200_is_not_a_delivery(eager: None, dripper: Dripper) -> None:
    """Status line and headers at once, then the body a byte every 0.2 s: the send stops at its deadline
    and counts as failed (retried later), although "200" had arrived."""
    dripper.head = b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"
    dripper.payload, dripper.interval = b"x" * 30, 0.2
    started = time.monotonic()
    response = transport.post(dripper.url, b"{}", {}, timeout=1.0)
    assert time.monotonic() - started < 2.0
    assert response.status is None
    assert not response.refused
    assert response.error == transport.deadline_error(1.0)
    assert delivering.retryable(response)


def test_a_dripped_tls_handshake_is_cut_off_at_the_deadline(eager: None, dripper: Dripper) -> None:
    """The deadline covers the TLS handshake too: a server that answers the ClientHello with a record
    header announcing 16 KB and then drips them never completes it, and no read waits long enough for
    a per-read timeout."""
    dripper.http = False
    dripper.head = b"\x16\x03\x03\x40\x00"  # a handshake record of 16384 bytes is coming...
    dripper.payload, dripper.interval = b"\x02" * 100, 0.2  # ...slowly
    started = time.monotonic()
    response = transport.post(f"https://127.0.0.1:{dripper.port}/hook", b"{}", {}, timeout=1.0)
    assert time.monotonic() - started < 2.0
    assert response.status is None
    assert response.error == transport.deadline_error(1.0)


def test_a_slow_name_lookup_counts_against_the_deadline(
    eager: None, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = addresses.socket.getaddrinfo

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(2.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(addresses.socket, "getaddrinfo", slow)
    started = time.monotonic()
    response = transport.post(receiver.url.replace("127.0.0.1", "localhost"), b"{}", {}, timeout=1.0)
    assert time.monotonic() - started < 1.8
    assert (response.status, response.refused) == (None, False)
    assert response.error == transport.deadline_error(1.0)
    assert receiver.requests == []


def test_a_quick_answer_within_the_deadline_is_delivered(eager: None, receiver: Receiver) -> None:
    response = transport.post(receiver.url, b"{}", {"Content-Type": "application/json"}, timeout=1.0)
    assert (response.status, response.error) == (200, "")
    assert len(receiver.requests) == 1


def test_sending_again_what_was_delivered_meanwhile_sends_nothing(
    region_a: Any, eager: None, receiver: Receiver
) -> None:
    """The admin's resend read the delivery before taking its lock; a worker's attempt it waited for may
    have delivered it: nothing more is sent."""
    with schema_context(region_a.schema_name):
        hook = endpoint(receiver.url)
        delivery = Delivery.objects.create(
            endpoint=hook, event="round.opened", payload={"x": 1}, status="succeeded", attempts=1
        )
        outcome = delivering.attempt(delivery.pk, None)
    assert outcome is not None
    assert (outcome.delivery.status, outcome.delivery.attempts) == (Delivery.Status.SUCCEEDED, 1)
    assert receiver.requests == []
