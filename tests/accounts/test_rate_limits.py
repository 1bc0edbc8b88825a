"""Rate limits stop the noisy client, not the people behind the same proxy or the owner of the account.

Behind the documented nginx every request arrives from 127.0.0.1 and the client is in X-Forwarded-For
(``TRUSTED_PROXY_COUNT=1``). Each attack here goes through HTTP as a browser behind that proxy would
send it: wrong passwords and wrong access codes from client X, then the right ones from client Y.
Before the fix the limits were keyed by the proxy's address and by the account or NIP alone, so X's
tries locked Y out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context

from accounts.adapters import LOGIN_ACTION, AccountAdapter
from accounts.roles import Role
from assessment.rounds.models import Participant
from assessment.rounds.services import codes
from assessment.rounds.taker_views import CODE_LOGIN
from config import ratelimit
from tests.assessment.rounds.conftest import open_round, staffed
from tests.factories import PASSWORD, make_user

__all__ = ["staffed"]  # the fixture, used here by name

BUDI = "198703122010011003"
PROXY = "127.0.0.1"
_clients = itertools.count(1)


def new_client_address() -> str:
    """A client address no other test used: counters of one test never leak into another."""
    return f"198.51.100.{next(_clients)}"


def via_proxy(host: str, client_address: str) -> Client:
    """A browser at ``client_address`` behind nginx, which appends the address to X-Forwarded-For."""
    return Client(HTTP_HOST=host, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def fresh_budi(region_a: Any) -> Iterator[None]:
    """Budi's NIP-wide counter is shared by the tests that try codes for him: start each from zero."""

    def forget() -> None:
        with schema_context(region_a.schema_name):
            ratelimit.reset(ratelimit.failure_names(CODE_LOGIN, BUDI, PROXY)[2])

    forget()
    yield
    forget()


# --- Who the client is ---


def test_the_client_is_the_address_the_trusted_proxy_saw(settings: Any) -> None:
    factory = RequestFactory()

    def seen(remote: str, forwarded: str | None) -> str:
        extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return ratelimit.client_ip(factory.get("/", REMOTE_ADDR=remote, **extra))

    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: the header is the client's own invention
    assert seen("203.0.113.9", "10.0.0.1") == "203.0.113.9"

    settings.TRUSTED_PROXY_COUNT = 1  # nginx appends what it saw: the rightmost entry
    assert seen(PROXY, "203.0.113.9") == "203.0.113.9"
    assert seen(PROXY, "6.6.6.6, 203.0.113.9") == "203.0.113.9"  # a forged entry sits to the left
    assert seen(PROXY, None) == PROXY  # not through the proxy (a health check on the host)
    assert seen(PROXY, "not-an-address") == PROXY

    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer in front of nginx
    assert seen(PROXY, "6.6.6.6, 203.0.113.9, 10.0.0.5") == "203.0.113.9"
    assert seen(PROXY, "10.0.0.5") == PROXY  # shorter than the proxy chain: not trusted

    # allauth's limits ask the adapter, which asks the same function.
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.5")
    assert AccountAdapter(request).get_client_ip(request) == "203.0.113.9"


def test_an_ipv6_client_is_counted_per_64() -> None:
    assert ratelimit.client_name("x", "2001:db8:1:2:aaaa::1") == ratelimit.client_name(
        "x", "2001:db8:1:2::ffff"
    )
    assert ratelimit.client_name("x", "2001:db8:1:2::1") != ratelimit.client_name("x", "2001:db8:1:3::1")
    assert ratelimit.client_name("x", "::ffff:192.0.2.1") == ratelimit.client_name("x", "192.0.2.1")


def test_cache_keys_never_hold_the_nip_or_the_email() -> None:
    for name in ratelimit.failure_names(CODE_LOGIN, BUDI, "192.0.2.1"):
        assert BUDI not in name
    for name in ratelimit.failure_names(LOGIN_ACTION, "kepala@samarindakota.go.id", "192.0.2.1"):
        assert "kepala" not in name


# --- The account sign-in (allauth) ---


def test_sixty_failed_logins_from_one_client_do_not_block_anothers_login(
    db: Any, region_a: Any, behind_proxy: None, settings: Any
) -> None:
    # Sixty a minute, as before the fix, but held for the test's whole run: each try hashes a password.
    settings.LOGIN_FAILURES_PER_CLIENT = (60, 3600)
    admin = make_user(region_a, Role.REGION_ADMIN)
    attacker = via_proxy("samarinda.localhost", new_client_address())
    guesses = [admin.email] * 4 + [f"tebakan{n}@samarindakota.go.id" for n in range(56)]
    for email in guesses:  # sixty wrong passwords, every one checked and counted
        wrong = attacker.post("/akun/login/", {"login": email, "password": "salah-sekali-123"})
        assert wrong.status_code == 200
        assert wrong.context["form"].errors
    assert attacker.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 429

    # The admin, from their own office behind the same proxy, signs in with the right password at once.
    office = via_proxy("samarinda.localhost", new_client_address())
    response = office.post("/akun/login/", {"login": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert office.get("/").context["user"].email == admin.email


def test_the_noisy_client_is_refused_with_429_in_indonesian(
    db: Any, region_a: Any, behind_proxy: None
) -> None:
    admin = make_user(region_a, Role.REGION_ADMIN)
    attacker = via_proxy("samarinda.localhost", new_client_address())
    for _ in range(5):
        wrong = attacker.post("/akun/login/", {"login": admin.email, "password": "salah-sekali-123"})
        assert wrong.status_code == 200
    refused = attacker.post("/akun/login/", {"login": admin.email, "password": PASSWORD})
    assert refused.status_code == 429  # even the right password: this client is done for a while
    assert "Terlalu banyak percobaan masuk yang gagal" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert not refused.wsgi_request.user.is_authenticated


def test_one_client_trying_many_accounts_is_stopped(db: Any, region_a: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_CLIENT = (8, 60)
    accounts = [make_user(region_a, Role.EMPLOYEE) for _ in range(9)]
    attacker = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR=new_client_address())
    statuses = [
        attacker.post("/akun/login/", {"login": user.email, "password": "salah-sekali-123"}).status_code
        for user in accounts
    ]
    assert statuses == [200] * 8 + [429]


def test_the_account_ceiling_slows_but_does_not_lock_the_owner(
    db: Any, region_a: Any, behind_proxy: None, settings: Any
) -> None:
    """Many addresses guessing one account: past the ceiling each address keeps one guess per window,
    and the owner, who has not failed, still signs in."""
    settings.LOGIN_FAILURES_PER_ACCOUNT = (4, 3600)
    admin = make_user(region_a, Role.REGION_ADMIN)
    botnet = [via_proxy("samarinda.localhost", new_client_address()) for _ in range(4)]
    for bot in botnet:
        assert bot.post("/akun/login/", {"login": admin.email, "password": "salah-123456"}).status_code == 200
    assert (
        botnet[0].post("/akun/login/", {"login": admin.email, "password": "salah-654321"}).status_code == 429
    )
    owner = via_proxy("samarinda.localhost", new_client_address())
    assert owner.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302


def test_a_password_reset_forgives_the_owners_own_wrong_passwords(
    db: Any, region_a: Any, behind_proxy: None, mailoutbox: Any
) -> None:
    """The admin who forgot the password tried five, then reset it: the new one works at once."""
    import re

    admin = make_user(region_a, Role.REGION_ADMIN)
    laptop = via_proxy("samarinda.localhost", new_client_address())
    for _ in range(5):
        laptop.post("/akun/login/", {"login": admin.email, "password": "lupa-sandinya-123"})
    assert laptop.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 429

    assert laptop.post("/akun/password/reset/", {"email": admin.email}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/akun/password/reset/key/\S+/)", mailoutbox[-1].body)
    assert link is not None
    opened = laptop.get(link.group(1))
    new = "Sandi-Baru-Kuat-2026!"
    assert laptop.post(opened["Location"], {"password1": new, "password2": new}).status_code == 302
    assert laptop.post("/akun/login/", {"login": admin.email, "password": new}).status_code == 302


# --- The test's sign-in with NIP and access code ---


def test_ten_wrong_codes_from_one_client_do_not_stop_the_right_code_from_another(
    staffed: Any, behind_proxy: None, fresh_budi: None
) -> None:
    round_ = open_round(staffed)
    with schema_context(staffed.schema_name):
        right = codes.code_for(Participant.objects.get(round=round_, employee__nip=BUDI))
    attacker = via_proxy("samarinda.localhost", new_client_address())
    for guess in range(10):
        assert attacker.post("/tes/", {"nip": BUDI, "code": f"WRONG{guess:03d}"}).status_code == 400

    refused = attacker.post("/tes/", {"nip": BUDI, "code": "WRONG999"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Terlalu banyak kode salah untuk NIP ini dari jaringan Anda" in page
    assert 1 <= int(refused["Retry-After"]) <= 900
    # The refusal does not depend on the code: even the right one tells the attacker nothing now.
    assert attacker.post("/tes/", {"nip": BUDI, "code": right}).status_code == 429

    # Budi, on his own phone, types the right code and is in.
    phone = via_proxy("samarinda.localhost", new_client_address())
    response = phone.post("/tes/", {"nip": BUDI, "code": right})
    assert response.status_code == 302
    assert response["Location"] == "/tes/mulai/"


def test_the_nip_ceiling_slows_a_botnet_but_lets_the_owner_in(
    staffed: Any, behind_proxy: None, fresh_budi: None, settings: Any
) -> None:
    settings.TAKER_CODE_FAILURES_PER_NIP = (5, 3600)
    round_ = open_round(staffed)
    with schema_context(staffed.schema_name):
        right = codes.code_for(Participant.objects.get(round=round_, employee__nip=BUDI))
    botnet = [via_proxy("samarinda.localhost", new_client_address()) for _ in range(5)]
    for bot in botnet:
        assert bot.post("/tes/", {"nip": BUDI, "code": "WRONG123"}).status_code == 400
    slowed = botnet[0].post("/tes/", {"nip": BUDI, "code": "WRONG124"})
    assert slowed.status_code == 429  # one guess per address and window now
    assert "Banyak kode salah dicoba untuk NIP ini" in slowed.content.decode()
    phone = via_proxy("samarinda.localhost", new_client_address())
    assert phone.post("/tes/", {"nip": BUDI, "code": right})["Location"] == "/tes/mulai/"


def test_without_a_proxy_a_forged_header_does_not_escape_the_limit(
    staffed: Any, fresh_budi: None, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    open_round(staffed)
    address = new_client_address()
    for n in range(10):
        forged = Client(
            HTTP_HOST="samarinda.localhost", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}"
        )
        assert forged.post("/tes/", {"nip": BUDI, "code": "WRONG123"}).status_code == 400
    again = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="10.9.9.99")
    assert again.post("/tes/", {"nip": BUDI, "code": "WRONG123"}).status_code == 429


def test_one_client_spraying_nips_is_stopped(staffed: Any, settings: Any) -> None:
    settings.TAKER_CODE_FAILURES_PER_CLIENT = (3, 900)
    open_round(staffed)
    client = Client(HTTP_HOST="samarinda.localhost", REMOTE_ADDR=new_client_address())
    nips = ["199001052015032001", "199512202023211004", "198001012005011001", "198101012005011002"]
    statuses = [client.post("/tes/", {"nip": nip, "code": "WRONG123"}).status_code for nip in nips]
    assert statuses == [400, 400, 400, 429]
    assert (
        "Terlalu banyak kode salah dikirim dari jaringan Anda"
        in client.post("/tes/", {"nip": BUDI, "code": "WRONG123"}).content.decode()
    )
