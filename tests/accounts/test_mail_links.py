"""Links in mails come from configuration (the region's Domain row, SITE_SCHEME, SITE_PORT), never from
the Host header a client sends.

The attack: ask for a password reset of someone else's account with ``Host: samarinda.localhost:6666``.
django-tenants finds the region by the host name alone, and allauth built the mailed link from the
whole header, so the victim's mail pointed at port 6666, where the attacker waits for the key.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from tenants.models import Domain
from tests.factories import PASSWORD, make_user

LINK = re.compile(r"https?://[^\s]+")


def links(mail: Any) -> list[str]:
    return LINK.findall(mail.body)


def test_a_reset_asked_for_with_a_spoofed_port_mails_the_real_address(
    db: Any, region_a: Any, mailoutbox: Any
) -> None:
    user = make_user(region_a, Role.EMPLOYEE)
    attacker = Client(HTTP_HOST="samarinda.localhost:6666")
    assert attacker.post("/akun/password/reset/", {"email": user.email}).status_code == 302
    body = mailoutbox[0].body
    assert "6666" not in body
    (link,) = [url for url in links(mailoutbox[0]) if "/akun/password/reset/key/" in url]
    assert link.startswith("http://samarinda.localhost/akun/password/reset/key/")
    assert "samarinda.localhost" in body.split(link)[-1]  # the closing "site" line: no port either


def test_a_forwarded_host_does_not_move_the_link(db: Any, region_a: Any, mailoutbox: Any) -> None:
    user = make_user(region_a, Role.EMPLOYEE)
    Client(HTTP_HOST="samarinda.localhost", HTTP_X_FORWARDED_HOST="ikd.attacker.example:443").post(
        "/akun/password/reset/", {"email": user.email}
    )
    assert "attacker" not in mailoutbox[0].body
    assert any(url.startswith("http://samarinda.localhost/akun/") for url in links(mailoutbox[0]))


def test_links_use_the_configured_scheme_and_port(
    db: Any, region_a: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.SITE_SCHEME, settings.SITE_PORT = "https", "8443"
    user = make_user(region_a, Role.EMPLOYEE)
    Client(HTTP_HOST="samarinda.localhost:6666").post("/akun/password/reset/", {"email": user.email})
    assert any(
        url.startswith("https://samarinda.localhost:8443/akun/password/reset/key/")
        for url in links(mailoutbox[0])
    )
    settings.SITE_PORT = "443"  # the scheme's default port is left out
    Client(HTTP_HOST="samarinda.localhost:6666").post("/akun/password/reset/", {"email": user.email})
    assert any(url.startswith("https://samarinda.localhost/akun/") for url in links(mailoutbox[1]))


def test_links_use_the_regions_primary_domain(db: Any, region_a: Any, mailoutbox: Any) -> None:
    """A region with its own address: mail links name it, whichever of its hosts the request came by."""
    Domain.objects.filter(tenant=region_a).update(is_primary=False)
    Domain.objects.create(tenant=region_a, domain="ikd.samarindakota.go.id", is_primary=True)
    user = make_user(region_a, Role.EMPLOYEE)
    Client(HTTP_HOST="samarinda.localhost:6666").post("/akun/password/reset/", {"email": user.email})
    assert any(
        url.startswith("http://ikd.samarindakota.go.id/akun/password/reset/key/")
        for url in links(mailoutbox[0])
    )


def test_confirmation_and_sign_in_code_mails_ignore_the_host_header(
    db: Any, region_a: Any, mailoutbox: Any
) -> None:
    user = make_user(region_a, Role.EMPLOYEE)
    with schema_context(region_a.schema_name):
        user.emailaddress_set.update(verified=False)
    site = Client(HTTP_HOST="samarinda.localhost:6666")
    site.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    site.post("/akun/email/", {"action_send": "", "email": user.email})
    Client(HTTP_HOST="samarinda.localhost:6666").post("/akun/login/code/", {"email": user.email})
    assert len(mailoutbox) >= 2
    for mail in mailoutbox:
        assert "6666" not in mail.body, mail.body
    assert any("http://samarinda.localhost/akun/confirm-email/" in mail.body for mail in mailoutbox)


def test_the_public_sites_links_ignore_the_host_header(db: Any, mailoutbox: Any) -> None:
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    Client(HTTP_HOST="localhost:6666").post("/akun/password/reset/", {"email": operator.email})
    assert "6666" not in mailoutbox[0].body
    assert any(url.startswith("http://localhost/akun/password/reset/key/") for url in links(mailoutbox[0]))
