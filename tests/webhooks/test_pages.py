"""The region admin's webhook pages: add an endpoint (secret shown once), the list with the last delivery,
the test send to a real receiver, sending a failed delivery again, disabling and deleting, the audit
trail, other roles and region B kept out, and a read-only region refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from audit.models import Event as AuditEvent
from tests.factories import PASSWORD, make_user
from webhooks.models import Delivery, Endpoint
from webhooks.services import signing

from .conftest import Receiver

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
    assert edited.status_code == 302
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
