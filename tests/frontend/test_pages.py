"""The look of the product: Indonesian first, English on request, every asset from the app itself."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

PO_FILE = Path(settings.BASE_DIR) / "frontend" / "locale" / "id" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_indonesian_translation() -> None:
    text = PO_FILE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]  # the first entry is the header
    empty = re.compile(r'msgstr(\[0\])? ""$')  # an empty translation ends the entry
    untranslated = [
        e for e in entries if "msgid" in e and not e.lstrip().startswith("#~") and empty.search(e.strip())
    ]
    assert untranslated == []
    assert PO_FILE.with_suffix(".mo").exists()


def test_public_home_is_indonesian_by_default(db: Any) -> None:
    page = Client(HTTP_HOST="localhost").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    body = page.content.decode()
    assert '<html lang="id">' in body
    assert "Daftarkan daerah Anda" in body
    assert "/daftar/" in body


def test_english_when_chosen(db: Any) -> None:
    client = Client(HTTP_HOST="localhost")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Register your region" in body


PAGES = [("localhost", "/"), ("localhost", "/daftar/"), ("localhost", "/akun/login/"),
         ("samarinda.localhost", "/akun/login/")]  # fmt: skip


@pytest.mark.parametrize(("host", "path"), PAGES)
def test_no_asset_comes_from_another_host(db: Any, region_a: Any, host: str, path: str) -> None:
    body = Client(HTTP_HOST=host).get(path).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:css|js|svg|png|woff2?))"', body)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert re.findall(r'(?:src|href)="(?:https?:)?//', body) == []  # nothing loads from another host


def test_pages_have_labelled_fields_and_landmarks(db: Any) -> None:
    body = Client(HTTP_HOST="localhost").get("/daftar/").content.decode()
    fields = ["code", "slug", "admin_full_name", "admin_email", "password", "password_again", "accept_terms"]
    for name in fields:
        assert f'for="id_{name}"' in body
    for landmark in ["<header", "<main", "<footer", 'class="skip-link"']:
        assert landmark in body


def test_terms_page_is_real(db: Any) -> None:
    body = Client(HTTP_HOST="localhost").get("/ketentuan/").content.decode()
    assert "UU PDP" in body or "27/2022" in body
