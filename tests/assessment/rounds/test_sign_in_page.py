"""The taker's sign-in page is rendered once per region and language (issue #20's start storm) and still
gives each visitor their own working CSRF token, the region as it is now, and every message."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.test import Client

from assessment.rounds import sign_in_page
from assessment.rounds.models import Participant
from assessment.rounds.services import codes
from tenants import middleware as region_routing
from tenants.services import status
from tests.assessment.rounds.conftest import open_round
from tests.assessment.rounds.test_answer_shapes import BUDI

HOST = "samarinda.localhost"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def page(client: Client, path: str = "/tes/") -> tuple[str, list[str]]:
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    return html, TOKEN.findall(html)


def test_two_visitors_get_one_rendering_with_their_own_token_and_both_sign_in(staffed: Any) -> None:
    participant = Participant.objects.get(round=open_round(staffed), employee__nip=BUDI)
    first, second = Client(HTTP_HOST=HOST, enforce_csrf_checks=True), Client(HTTP_HOST=HOST)
    html_1, tokens_1 = page(first)
    html_2, tokens_2 = page(second)
    assert len(sign_in_page._pages) == 1
    assert tokens_1
    assert tokens_2
    assert set(tokens_1).isdisjoint(tokens_2)  # each visitor's own masked token
    assert TOKEN.sub("", html_1) == TOKEN.sub("", html_2)  # otherwise the same page
    assert sign_in_page.PLACEHOLDER not in html_1
    assert settings.CSRF_COOKIE_NAME in first.cookies
    form = {"nip": BUDI, "code": codes.code_for(participant), "csrfmiddlewaretoken": tokens_1[0]}
    assert first.post("/tes/", form).status_code == 302  # the token works with the cookie it came with
    refused = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    page(refused)
    assert refused.post("/tes/", {**form, "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_the_page_shows_the_region_as_it_is_now(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    html, _ = page(client)
    assert "read-only" not in html
    assert "banner-readonly" not in html
    status.suspend(staffed, actor="operator", reason="Tunggakan tagihan")
    region_routing.forget_regions()
    html, _ = page(client)
    assert "banner-readonly" in html
    assert "Tunggakan tagihan" in html


def test_each_language_has_its_own_page(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    indonesian, _ = page(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english, _ = page(client)
    assert 'lang="id"' in indonesian
    assert 'lang="en"' in english
    assert "Take the test" in english
    assert "Take the test" not in indonesian


def test_a_signed_out_notice_is_still_shown(staffed: Any) -> None:
    client = Client(HTTP_HOST=HOST)
    page(client)  # the shared page is kept
    html, _ = page(client, "/tes/?keluar=1")
    assert 'id="signed-out"' in html
    html, _ = page(client)
    assert 'id="signed-out"' not in html
