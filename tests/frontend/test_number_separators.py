"""Numbers and words (#15, point 12): on the main admin pages of a region with more than a thousand
employees and takers, no number of four or more digits is printed without its thousands separator.

Visible text only (the body's text nodes and SVG labels; not scripts, styles or attributes). Allowed
without separator, precisely: a year (four digits, 1900-2099), an 18-digit NIP or NI PPPK, and digits
that are part of a code (joined to letters, "-", "/" or "_", e.g. "ikd-nasional-2026.1", "K1001"), and a
version written as a year and a release ("2026.1", the item bank's version).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.db import connection
from django.test import Client

from accounts.roles import Role
from assessment.results.models import Aggregate, Score
from assessment.rounds.models import Round
from tests.assessment.results.conftest import scored_round
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
# A run of digits with the grouping and decimal marks inside it, not joined to a letter or a code mark.
NUMBER = re.compile(r"(?<![\w\-/])\d(?:[\d.,]*\d)?(?![\w\-/])")


class _Text(HTMLParser):
    """The text a reader sees: body text and SVG labels; not script, style, head or attribute values."""

    SKIP = {"script", "style", "head", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def unseparated(text: str) -> list[str]:
    """Numbers of four or more digits printed without a thousands separator."""
    found = []
    for match in NUMBER.finditer(text):
        token = match.group()
        groups = re.split(r"[.,]", token)
        if not any(len(g) >= 4 for g in groups):
            continue
        if len(groups) == 1 and (re.fullmatch(r"(19|20)\d\d", token) or len(token) == 18):
            continue  # a year, a NIP
        if re.fullmatch(r"(19|20)\d\d\.\d{1,2}", token):
            continue  # a version: 2026.1
        found.append(token)
    return found


def test_the_check_itself() -> None:
    text = visible_text(
        "<html><head><title>10303</title></head><body><p>10.303 dari 12.500 pegawai, 1,48; 2026; "
        "NIP 198503122010012003; ikd-nasional-2026.1; versi 2026.1; K1001</p><script>var n = 12500;</script>"
        '<svg><text x="1">12500</text></svg><p data-n="99999">1234 orang</p></body></html>'
    )
    assert unseparated(text) == ["12500", "1234"]


def test_main_admin_pages_print_thousands_with_a_separator(region_a: Any) -> None:
    from django.core.management import call_command

    call_command("load_instrument")
    connection.set_tenant(region_a)
    round_ = scored_round(region_a, employees=1100, takers=1040)
    admin = make_user(region_a, Role.REGION_ADMIN)
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    region = Aggregate.objects.get(round=round_, dimension="region")
    assert region.n >= 1000
    assert region.eligible >= 1000
    big_unit = Score.objects.values("unit_id").order_by().distinct().first()["unit_id"]
    person = Score.objects.filter(round=round_, complete=True).first()
    # A second, open round of the same people: the live page and a round not yet scored.
    open_round = Round.objects.exclude(pk=round_.pk).first()
    pages = [
        "/",
        "/pegawai/",
        "/unit/",
        f"/unit/{big_unit}/",
        "/ronde/",
        f"/ronde/{round_.pk}/",
        f"/ronde/{round_.pk}/peserta/",
        f"/ronde/{round_.pk}/pantau/",
        f"/hasil/{round_.pk}/",
        f"/hasil/{round_.pk}/unit/{big_unit}/",
        f"/hasil/{round_.pk}/kualitas/",
        f"/hasil/{round_.pk}/peta-jalan/?target=2.6&years=2",
        f"/hasil/{round_.pk}/pegawai/{person.employee_id}/",
        "/instrumen/",
    ]
    if open_round is not None:
        pages.append(f"/ronde/{open_round.pk}/")
    problems = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        found = unseparated(visible_text(response.content.decode()))
        if found:
            problems[path] = found
    assert problems == {}
    live = client.get(f"/ronde/{round_.pk}/pantau.json")
    assert live.status_code == 200
