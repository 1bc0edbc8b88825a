"""Signup is rate-limited per client address and for the whole platform: each signup claims a region and
a schema, so a script must not claim the country in a minute.

Every signup here goes through /daftar/ as a browser would send it; the counters live in Redis and are
reset around each test (the test transaction does not roll the cache back).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from config import ratelimit
from tenants import wilayah
from tenants.models import Region
from tests.tenants.test_signup import form_data

CLIENTS = ["127.0.0.1", "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"]


@pytest.fixture(autouse=True)
def _fresh_signup_counters() -> Iterator[None]:
    names = [ratelimit.overall_name("signup"), *(ratelimit.client_name("signup", ip) for ip in CLIENTS)]
    for name in names:
        ratelimit.reset(name)
    yield
    for name in names:
        ratelimit.reset(name)


def free_codes(count: int) -> list[str]:
    taken = set(Region.objects.values_list("code", flat=True))
    regencies = [
        r.code
        for r in wilayah.official_regions().values()
        if r.kind == wilayah.Kind.KABUPATEN and r.code not in taken
    ]
    return regencies[:count]


def signup(code: str, ip: str = "127.0.0.1", **headers: str) -> Any:
    slug = "uji-" + code.replace(".", "-")
    data = form_data(code=code, region_search="", slug=slug, admin_email=f"admin@{slug}.go.id")
    return Client(HTTP_HOST="localhost").post("/daftar/", data, REMOTE_ADDR=ip, **headers)


def test_the_eleventh_signup_from_one_client_is_refused(db: Any) -> None:
    codes = free_codes(12)
    for n, code in enumerate(codes[:10]):
        # A forged X-Forwarded-For changes nothing: the client is who connected (config.ratelimit.client_ip).
        response = signup(code, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 302, (n, response.content[:2000])
    before = Region.objects.count()

    refused = signup(codes[10], HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429
    assert "Terlalu banyak daerah didaftarkan dari jaringan Anda" in refused.content.decode()
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert Region.objects.count() == before
    assert not Region.objects.filter(code=codes[10]).exists()

    # Another client is not held back by this one.
    assert signup(codes[11], ip="10.1.0.1").status_code == 302


def test_refused_forms_do_not_use_up_the_limit(db: Any) -> None:
    """The limit counts claims (valid forms); someone fixing typos is never locked out."""
    code = free_codes(1)[0]
    bad = form_data(code=code, region_search="", slug="www")
    public = Client(HTTP_HOST="localhost")
    for _ in range(12):
        assert public.post("/daftar/", bad).status_code == 200
    assert signup(code).status_code == 302


def test_the_overall_limit_holds_across_clients(db: Any, settings: Any) -> None:
    settings.SIGNUP_RATE_OVERALL = (3, 3600)
    codes = free_codes(4)
    for code, ip in zip(codes[:3], CLIENTS[1:4], strict=True):
        assert signup(code, ip=ip).status_code == 302
    refused = signup(codes[3], ip=CLIENTS[4])
    assert refused.status_code == 429
    assert "Pendaftaran sedang sangat ramai" in refused.content.decode()
    assert not Region.objects.filter(code=codes[3]).exists()
