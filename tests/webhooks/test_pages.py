"""The region admin's webhook pages: add an endpoint (secret shown once), the list with the last delivery,
the test send to a real receiver, sending a failed delivery again, disabling and deleting, the audit
trail, other roles and region B kept out, and a read-only region refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from audit.models import Event as AuditEvent
from tests.factories import PASSWORD, make_user
from webhooks.models import Delivery, Endpoint
from webhooks.services import signing, transport

from .conftest import Dripper, Receiver

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"
EVENTS = ["round.opened", "results.announced"]


def signed_in(region: Any, host: str, role: str = Role.REGION_ADMIN) -> Client:
    client = Client(HTTP_HOST=host)
    user = make_user(region, role)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def admin_a(region_a: Any) -> Client:
    return signed_in(region_a, HOST_A)


def add(client: Client, url: str, events: list[str] = EVENTS) -> Any:
    return client.post(
        "/pengaturan/webhook/baru/", {"url": url, "events": events, "active": "on", "description": "SIMPEG"}
    )


def test_the_admin_adds_an_endpoint_and_sees_the_secret_once(
    admin_a: Client, region_a: Any, eager: None, receiver: Receiver
) -> None:
    page = add(admin_a, receiver.url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
        assert endpoint.events == EVENTS
        assert endpoint.active
        assert endpoint.created_by is not None
        assert AuditEvent.objects.filter(kind="webhook.created").count() == 1
        details = AuditEvent.objects.get(kind="webhook.created").details
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in page.content.decode()
    assert endpoint.secret not in json.dumps(details)
    listing = admin_a.get("/pengaturan/webhook/").content.decode()
    assert receiver.url in listing
    assert endpoint.secret not in listing
    assert "Belum ada yang dikirim" in listing  # nothing sent yet, in Indonesian
    detail = admin_a.get(f"/pengaturan/webhook/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail


def test_an_internal_address_is_refused_with_a_message(admin_a: Client, region_a: Any, settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    page = add(admin_a, "https://169.254.169.254/latest")
    assert page.status_code == 200
    assert "jaringan privat atau internal" in page.content.decode()
    page = add(admin_a, "http://8.8.8.8/hook")
    assert "https://" in page.content.decode()
    page = admin_a.post("/pengaturan/webhook/baru/", {"url": "https://8.8.8.8/hook"})
    assert "Pilih setidaknya satu peristiwa" in page.content.decode()
    with schema_context(region_a.schema_name):
        assert not Endpoint.objects.exists()


def test_the_test_send_reaches_the_receiver_and_shows_the_outcome(
    admin_a: Client, region_a: Any, eager: None, receiver: Receiver
) -> None:
    add(admin_a, receiver.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    page = admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/uji/", follow=True)
    text = page.content.decode()
    assert "HTTP 200" in text
    assert "Uji terkirim" in text
    (got,) = receiver.requests
    assert json.loads(got.body)["type"] == "ping"
    signing.verify(got.body, got.headers["IKD-Signature"], endpoint.secret)
    with schema_context(region_a.schema_name):
        delivery = Delivery.objects.get()
        assert (delivery.event, delivery.status, delivery.attempts) == ("ping", "succeeded", 1)
        assert AuditEvent.objects.filter(kind="webhook.test_sent").exists()
    listing = admin_a.get("/pengaturan/webhook/").content.decode()
    assert "Terkirim" in listing
    assert "HTTP 200" in listing


def test_a_failed_test_is_shown_then_sent_again_by_hand(
    admin_a: Client, region_a: Any, eager: None, receiver: Receiver
) -> None:
    add(admin_a, receiver.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    receiver.script = [500]
    page = admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/uji/", follow=True).content.decode()
    assert "Uji gagal" in page
    assert "HTTP 500" in page
    with schema_context(region_a.schema_name):
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.GAVE_UP  # a test is one attempt
    assert "Kirim ulang" in page
    again = admin_a.post(f"/pengaturan/webhook/kiriman/{delivery.pk}/ulang/", follow=True).content.decode()
    assert "HTTP 200" in again
    with schema_context(region_a.schema_name):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Delivery.Status.SUCCEEDED, 2)
        assert [h["code"] for h in delivery.history] == [500, 200]
    assert len(receiver.requests) == 2
    # A delivered one is not sent again.
    admin_a.post(f"/pengaturan/webhook/kiriman/{delivery.pk}/ulang/")
    assert len(receiver.requests) == 2


def test_edit_disable_and_delete(admin_a: Client, region_a: Any, eager: None, receiver: Receiver) -> None:
    add(admin_a, receiver.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    edited = admin_a.post(
        f"/pengaturan/webhook/{endpoint.pk}/",
        {"url": receiver.url + "/v2", "events": ["import.finished"], "active": "on", "description": "x"},
    )
    assert edited.status_code == 200  # a new URL: the new secret is shown (see the test below)
    admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/aktif/")
    with schema_context(region_a.schema_name):
        endpoint.refresh_from_db()
        assert (endpoint.url, endpoint.events, endpoint.active) == (
            receiver.url + "/v2",
            ["import.finished"],
            False,
        )
    assert admin_a.get(f"/pengaturan/webhook/{endpoint.pk}/hapus/").status_code == 200
    assert admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/hapus/").status_code == 302
    with schema_context(region_a.schema_name):
        assert not Endpoint.objects.exists()
        kinds = set(AuditEvent.objects.filter(kind__startswith="webhook.").values_list("kind", flat=True))
    assert kinds == {"webhook.created", "webhook.changed", "webhook.disabled", "webhook.deleted"}


def test_only_the_region_admin_may_open_the_pages(region_a: Any) -> None:
    for role in (Role.UNIT_COORDINATOR, Role.EMPLOYEE):
        client = signed_in(region_a, HOST_A, role)
        assert client.get("/pengaturan/webhook/").status_code in {302, 403}
    assert Client(HTTP_HOST=HOST_A).get("/pengaturan/webhook/").status_code == 302


def test_region_b_cannot_see_or_touch_region_a_endpoints(
    admin_a: Client, region_a: Any, region_b: Any, eager: None, receiver: Receiver
) -> None:
    add(admin_a, receiver.url + "/rahasia-a")
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
        delivery = Delivery.objects.create(
            endpoint=endpoint, event="round.opened", payload={}, status="gave_up"
        )
    admin_b = signed_in(region_b, HOST_B)
    assert "rahasia-a" not in admin_b.get("/pengaturan/webhook/").content.decode()
    assert admin_b.get(f"/pengaturan/webhook/{endpoint.pk}/").status_code == 404
    assert admin_b.post(f"/pengaturan/webhook/{endpoint.pk}/uji/").status_code == 404
    assert admin_b.post(f"/pengaturan/webhook/{endpoint.pk}/hapus/").status_code == 404
    assert admin_b.post(f"/pengaturan/webhook/kiriman/{delivery.pk}/ulang/").status_code == 404
    assert receiver.requests == []
    with schema_context(region_a.schema_name):
        assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_read_only_region_can_look_but_not_change(
    admin_a: Client, region_a: Any, eager: None, receiver: Receiver
) -> None:
    add(admin_a, receiver.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    from tenants.models import Region

    Region.objects.filter(pk=region_a.pk).update(status=Region.Status.SUSPENDED)
    assert admin_a.get("/pengaturan/webhook/").status_code == 200
    assert admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/uji/").status_code == 403
    assert admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/hapus/").status_code == 403
    assert add(admin_a, receiver.url + "/2").status_code == 403
    assert receiver.requests == []
    with schema_context(region_a.schema_name):
        assert Endpoint.objects.count() == 1


# --- A receiver that never finishes answering ------------------------------------------------------


def test_a_test_send_to_a_dripping_receiver_stops_at_the_deadline_and_fails(
    admin_a: Client, region_a: Any, eager: None, dripper: Dripper
) -> None:
    """The receiver sends a whole "200 OK", one byte every half second: each read is quick, the answer
    takes over 10 s. The send ends at the 5-second deadline and is recorded as failed, not delivered."""
    add(admin_a, dripper.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    started = time.monotonic()
    page = admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/uji/", follow=True)
    took = time.monotonic() - started
    assert transport.TIMEOUT_SECONDS - 0.5 <= took < transport.TIMEOUT_SECONDS + 1.5
    text = page.content.decode()
    assert "Uji gagal" in text
    assert "tidak menjawab lengkap dalam 5 detik" in text  # the reason, in Indonesian
    with schema_context(region_a.schema_name):
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Delivery.Status.GAVE_UP, None)
    assert delivery.duration_ms is not None
    assert delivery.duration_ms < (transport.TIMEOUT_SECONDS + 1) * 1000
    assert dripper.connections == 1


def test_sending_again_to_a_dripping_receiver_is_bounded_and_retried_later(
    admin_a: Client, region_a: Any, eager: None, dripper: Dripper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resend from the web request is bounded the same way: the request (and the delivery's row lock
    it holds across the send) lasts about the deadline, then the failure is recorded and retried later."""
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 1.5)
    dripper.head = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"  # a quick status line, a slow body
    dripper.payload = b"x" * 40
    add(admin_a, dripper.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
        delivery = Delivery.objects.create(
            endpoint=endpoint, event="round.opened", payload={"x": 1}, status="failed", attempts=1
        )
    started = time.monotonic()
    page = admin_a.post(f"/pengaturan/webhook/kiriman/{delivery.pk}/ulang/", follow=True)
    took = time.monotonic() - started
    assert 1.0 <= took < 3.0
    assert "Kirim ulang gagal" in page.content.decode()
    with schema_context(region_a.schema_name):
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Delivery.Status.FAILED,
        2,
        None,
    )
    assert delivery.next_attempt_at is not None
    assert "1.5 detik" in delivery.last_error


def test_a_new_url_gets_a_new_secret_shown_once(
    admin_a: Client, region_a: Any, eager: None, receiver: Receiver
) -> None:
    add(admin_a, receiver.url)
    with schema_context(region_a.schema_name):
        endpoint = Endpoint.objects.get()
    old_secret = endpoint.secret
    # Other changes keep the secret.
    saved = admin_a.post(
        f"/pengaturan/webhook/{endpoint.pk}/",
        {"url": receiver.url, "events": ["import.finished"], "active": "on", "description": "x"},
    )
    assert saved.status_code == 302
    with schema_context(region_a.schema_name):
        endpoint.refresh_from_db()
    assert endpoint.secret == old_secret
    # A new address: a new secret, shown on the answer only.
    moved = admin_a.post(
        f"/pengaturan/webhook/{endpoint.pk}/",
        {"url": receiver.url + "/baru", "events": ["import.finished"], "active": "on", "description": "x"},
    )
    assert moved.status_code == 200
    assert moved["Cache-Control"] == "no-store"
    with schema_context(region_a.schema_name):
        endpoint.refresh_from_db()
        details = AuditEvent.objects.filter(kind="webhook.changed").latest("pk").details
    assert endpoint.secret != old_secret
    assert endpoint.secret.startswith("whsec_")
    text = moved.content.decode()
    assert endpoint.secret in text
    assert old_secret not in text
    assert "rahasia penandatanganan baru" in text
    assert details["signing_renewed"] is True
    assert endpoint.secret not in json.dumps(details)
    assert endpoint.secret not in admin_a.get(f"/pengaturan/webhook/{endpoint.pk}/").content.decode()
    # Requests to the new address are signed with the new secret only.
    admin_a.post(f"/pengaturan/webhook/{endpoint.pk}/uji/")
    got = receiver.requests[-1]
    assert got.path == "/ikd/hook/baru"
    signing.verify(got.body, got.headers["IKD-Signature"], endpoint.secret)
    with pytest.raises(signing.SignatureError):
        signing.verify(got.body, got.headers["IKD-Signature"], old_secret)
