"""A region's own items: checked like national ones, kept in the region, never in the national bank."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.authoring.models import LocalItem
from assessment.instrument.models import Item
from tests.factories import PASSWORD, make_user

ITEM = {
    "competence": "4.2",
    "level": "2",
    "type": "single_choice",
    "stem": "Pesan WhatsApp mengaku dari BKPSDM meminta kode OTP Anda. Apa yang Anda lakukan?",
    "options_text": "Mengirim kodenya\nMengabaikan dan melaporkan pesan itu\nMeneruskannya ke grup kantor",
    "key_text": "b",
    "explanation": "Kode OTP tidak pernah diminta oleh instansi; laporkan upaya penipuan.",
}


def admin_client(region: Any) -> Client:
    user = make_user(region, Role.REGION_ADMIN)
    client = Client(HTTP_HOST=f"{region.slug}.localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_writes_a_local_item_in_the_region_only(db: Any, region_a: Any, region_b: Any) -> None:
    call_command("load_instrument")
    national = Item.objects.count()
    client = admin_client(region_a)
    assert client.post("/soal-lokal/tambah/", ITEM).status_code == 302
    with schema_context(region_a.schema_name):
        item = LocalItem.objects.get()
        assert (item.code, item.key, len(item.options)) == ("LOK-0001", ["b"], 3)
    with schema_context(region_b.schema_name):
        assert not LocalItem.objects.exists()
    assert Item.objects.count() == national  # the national bank is untouched
    assert "LOK-0001" in client.get("/soal-lokal/").content.decode()


def test_bad_local_items_are_explained(db: Any, region_a: Any) -> None:
    call_command("load_instrument")
    client = admin_client(region_a)
    cases = [
        ({"key_text": "d"}, "key_text"),
        ({"key_text": "a, b"}, "key_text"),
        ({"type": "multiple_response", "key_text": "a"}, "key_text"),
        ({"options_text": "Hanya satu"}, "options_text"),
        ({"explanation": " "}, "explanation"),
    ]
    for change, field in cases:
        response = client.post("/soal-lokal/tambah/", {**ITEM, **change})
        assert response.status_code == 200
        assert field in response.context["form"].errors, (change, response.context["form"].errors)
    with schema_context(region_a.schema_name):
        assert not LocalItem.objects.exists()


def test_only_admins_author_local_items(db: Any, region_a: Any) -> None:
    user = make_user(region_a, Role.UNIT_COORDINATOR)
    client = Client(HTTP_HOST="samarinda.localhost")
    client.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    assert client.get("/soal-lokal/").status_code == 403
