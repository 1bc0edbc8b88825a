"""Hostile data for the download tests: a scored round whose names attack PDFs and spreadsheets.

Names are what admins type (units, rounds, employees, courses): here they hold ReportLab markup that
would fetch a URL from a local trap server, embed a local image file, plant a link or break the
parser, and spreadsheet formulas (``=HYPERLINK``, ``+cmd``, ``-1+1``, ``@SUM``, tab and CR first).
They are set before the round is scored, so that what scoring stores carries them too.

``DOWNLOADS`` lists every route that hands out a file, with the kinds it serves; the tests walk it
and ``test_every_download_route_is_walked`` fails when a route is added without a place here.
"""

from __future__ import annotations

import base64
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
FORMULAS = (
    '=HYPERLINK("http://evil.example/","klik")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=2+2",
)
# What a spreadsheet runs as a formula when a text cell starts with it (OWASP's list).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A unit code that a hand-written Content-Disposition header cannot carry.
UNIT_CODE = 'D"1;\nÜ'

# name -> kinds; every route that ends like a file name (".pdf", ".csv", ".xlsx" or ".<str:kind>").
DOWNLOADS: dict[str, tuple[str, ...]] = {
    "code_sheet": ("pdf", "xlsx"),
    "round_not_started": ("csv",),
    "results_unit_report": ("pdf",),
    "results_export": ("pdf", "csv", "xlsx"),
    "results_roadmap_export": ("pdf", "xlsx"),
    "my_result_pdf": ("pdf",),
    "results_person_pdf": ("pdf",),  # one employee's report, opened by the admin
    "employee_export": ("csv", "xlsx"),
    "import_template": ("xlsx",),
    "user_import_template": ("xlsx",),
    "national_export": ("csv", "xlsx"),
    "audit_export": ("csv", "xlsx"),
    "operator_audit_export": ("csv", "xlsx"),  # the public site's: tests/test_audit_trail.py
    # Billing's: invoices are public-schema rows, not the hostile region's data; walked with hostile
    # names (PDF as text, no overlap; formulas neutralised) in tests/billing/test_billing_pages.py.
    "billing_invoice_pdf": ("pdf",),
    "operator_billing_invoice_pdf": ("pdf",),
    "operator_billing_export": ("csv", "xlsx"),
    "training_export": ("csv", "xlsx"),
    "training_template": ("xlsx",),
    "talent_export": ("csv", "xlsx"),
}
WALKED_IN_BILLING_TESTS = frozenset(
    {"billing_invoice_pdf", "operator_billing_invoice_pdf", "operator_billing_export"}
)
_FILE_ROUTE = re.compile(r"\.(pdf|csv|xlsx|<str:\w+>)$")


def routes(urlconf: str) -> list[tuple[str, URLPattern]]:
    """Every (route, pattern) of ``urlconf``, includes flattened, routes with their prefixes."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                found.append((prefix + str(pattern.pattern), pattern))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def download_routes() -> dict[str, str]:
    """name -> route of every pattern, in both URLconfs, whose route ends like a file name."""
    return {
        pattern.name or route: route
        for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF)
        for route, pattern in routes(urlconf)
        if _FILE_ROUTE.search(route)
    }


# --------------------------------------------------------------------------------------------------
# A trap server: what ReportLab would fetch


def png() -> bytes:
    """A 1x1 PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + (chunk(b"IEND", b""))
    )


@dataclass
class Trap:
    port: int
    image: Path  # a real image file on this machine
    hits: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.png"


@pytest.fixture
def trap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trap]:
    """A local HTTP server that serves a PNG to anyone and notes every request."""
    image = tmp_path_factory.mktemp("img") / "x.png"
    image.write_bytes(png())
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Trap(port=server.server_address[1], image=image, hits=hits)
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------------------------
# Reading a PDF without a PDF library


_STREAM = re.compile(rb"\bobj\s*<<((?:(?!\bobj\b).)*?)>>\s*stream\r?\n(.*?)\r?\n?endstream", re.S)
_SHOW = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _decode_stream(head: bytes, data: bytes) -> bytes:
    filters = (
        re.findall(rb"/(ASCII85Decode|FlateDecode)", head.split(b"/Filter", 1)[-1])
        if b"/Filter" in head
        else []
    )
    for name in filters:
        if name == b"ASCII85Decode":
            data = base64.a85decode(data.strip(), adobe=True)
        else:
            data = zlib.decompress(data)
    return data


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        token = match.group(1)
        if token[:1].isdigit():
            return bytes([int(token, 8) & 0xFF])
        return _ESCAPES.get(token, token)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


@dataclass
class Pdf:
    raw: bytes
    content: bytes  # the decoded content streams, joined

    @property
    def text(self) -> str:
        """The strings the pages show, in order, as one text without whitespace (line breaks and
        word wrapping then do not matter when looking for a name)."""
        shown = b"".join(_unescape(m.group(1)) for m in _SHOW.finditer(self.content))
        return re.sub(r"\s+", "", shown.decode("cp1252", errors="replace"))

    def shows(self, name: str) -> bool:
        return re.sub(r"\s+", "", name) in self.text

    @property
    def images(self) -> int:
        return len(re.findall(rb"/Subtype\s*/Image", self.raw + self.content))

    @property
    def links(self) -> int:
        return len(re.findall(rb"/URI|/Subtype\s*/Link|/Annots", self.raw + self.content))


def read_pdf(data: bytes) -> Pdf:
    assert data.startswith(b"%PDF-"), data[:40]
    assert data.rstrip().endswith(b"%%EOF")
    content = b"\n".join(_decode_stream(head, body) for head, body in _STREAM.findall(data))
    return Pdf(raw=data, content=content)


def disposition_name(header: str) -> str:
    """The file name a browser takes from a Content-Disposition header (RFC 6266 / 5987)."""
    assert "\n" not in header, header
    assert "\r" not in header, header
    extended = re.search(r"filename\*=utf-8''([^;\s]+)", header, re.I)
    if extended:
        return unquote(extended.group(1))
    quoted = re.fullmatch(r'attachment; filename="((?:\\.|[^"\\])*)"', header)
    assert quoted, header
    return re.sub(r"\\(.)", r"\1", quoted.group(1))


# --------------------------------------------------------------------------------------------------
# The hostile region


@dataclass
class Hostile:
    region: Any
    round: Any
    unit: Any  # a unit with scored employees
    taker: Any  # a scored participant (their own result PDF)
    round_name: str
    unit_names: dict[int, str]
    employee_names: dict[int, str]
    course_titles: list[str]
    admin: Client
    taker_client: Client
    roadmap_query: dict[str, str]

    def url(self, name: str, kind: str) -> str:
        pk, unit = self.round.pk, self.unit.pk
        kwargs: dict[str, Any] = {
            "code_sheet": {"pk": pk, "unit_id": unit, "kind": kind},
            "round_not_started": {"pk": pk},
            "results_unit_report": {"pk": pk, "unit_id": unit},
            "results_export": {"pk": pk, "kind": kind},
            "results_person_pdf": {"pk": pk, "employee_id": self.taker.employee_id},
            "results_roadmap_export": {"pk": pk, "kind": kind},
            "employee_export": {"kind": kind},
            "audit_export": {"fmt": kind},
            "training_export": {"fmt": kind},
            "talent_export": {"fmt": kind},
        }.get(name, {})
        url = reverse(name, kwargs=kwargs, urlconf=settings.ROOT_URLCONF)
        if name == "results_roadmap_export":
            url += "?" + "&".join(f"{k}={v}" for k, v in self.roadmap_query.items())
        return url

    def client_for(self, name: str) -> Client:
        return self.taker_client if name == "my_result_pdf" else self.admin


def _markup(trap: Trap, label: str) -> str:
    """Markup that, read by ReportLab, fetches from the trap, embeds a local file, links and fails."""
    return (
        f'<img src="{trap.url(label)}"/><img src="{trap.image}"/>'
        f'<a href="http://evil.example/">{label}</a><script>x</script> & co'
    )


def _sign_in(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def make_hostile(region: Any, trap: Trap) -> Hostile:
    from assessment.people import demo as people_demo
    from assessment.people.models import Employee, WorkUnit
    from assessment.results.models import Score, TrainingCourse
    from assessment.results.services import catalogue, closing, reading, scoring, simulation
    from assessment.rounds.models import Participant, Round
    from assessment.rounds.services import codes, lifecycle
    from tests.assessment.rounds.conftest import open_round

    people_demo.seed(region, count=150)
    unit_names: dict[int, str] = {}
    for i, unit_id in enumerate(WorkUnit.objects.order_by("pk").values_list("pk", flat=True)):
        unit_names[unit_id] = f"{FORMULAS[i % len(FORMULAS)]} {_markup(trap, f'u{i}')}"[:200]
        WorkUnit.objects.filter(pk=unit_id).update(name=unit_names[unit_id])
    employee_names: dict[int, str] = {}
    for i, employee_id in enumerate(Employee.objects.order_by("pk").values_list("pk", flat=True)):
        formula = FORMULAS[i % len(FORMULAS)]
        employee_names[employee_id] = f'{formula} <a href="http://evil.example/">Pegawai {i}</a> <b>'
        Employee.objects.filter(pk=employee_id).update(
            full_name=employee_names[employee_id], phone=formula[:20], position_title=formula
        )
    catalogue.ensure_seeded()
    course_titles = []
    for i, course_id in enumerate(TrainingCourse.objects.order_by("pk").values_list("pk", flat=True)):
        course_titles.append(f"{FORMULAS[i % len(FORMULAS)]} {_markup(trap, f'c{i}')}"[:200])
        TrainingCourse.objects.filter(pk=course_id).update(title=course_titles[-1])
    from assessment.training.models import TrainingRecord

    hostile_ids = list(Employee.objects.order_by("pk").values_list("pk", flat=True)[:20])
    for i, employee_id in enumerate(hostile_ids):
        TrainingRecord.objects.create(
            employee_id=employee_id,
            course_title=course_titles[i % len(course_titles)][:255],
            title_key=f"hostile {i}",
            provider=FORMULAS[i % len(FORMULAS)][:200],
            certificate_number=FORMULAS[(i + 1) % len(FORMULAS)][:100],
            completed_on=timezone.localdate(),
            jp=4,
            source="manual",
        )

    admin_user = make_user(region, Role.REGION_ADMIN)
    round_ = open_round(region, admin_user, name="Pengukuran IKD 2026")
    round_name = f"@SUM(1+1) {_markup(trap, 'r')}"
    Round.objects.filter(pk=round_.pk).update(name=round_name)
    chosen = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk")[:120])
    simulation.simulate_attempts(round_, chosen, seed=7)
    round_ = lifecycle.transition(Round.objects.get(pk=round_.pk), Round.State.CLOSED, admin_user)
    scoring.score_round(round_)
    round_ = closing.change_state(round_, Round.State.PUBLISHED, admin_user)

    # The unit with the most scored employees: its code sheet, report and own results are walked.
    unit_id = (
        Score.objects.filter(round=round_)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit_id")
        .values_list("unit_id", flat=True)
        .first()
    )
    unit = WorkUnit.objects.get(pk=unit_id)
    score = Score.objects.filter(round=round_, unit=unit).select_related("employee").first()
    taker = Participant.objects.get(round=round_, employee=score.employee)
    taker_client = Client(HTTP_HOST=HOST)
    login = taker_client.post("/tes/", {"nip": score.employee.nip, "code": codes.code_for(taker)})
    assert login.status_code == 302, login
    region_mean = reading.figures(round_).region
    target = min(4.0, round((region_mean.mean if region_mean and region_mean.mean else 2.0) + 0.3, 2))
    return Hostile(
        region=region,
        round=round_,
        unit=unit,
        taker=taker,
        round_name=round_name,
        unit_names=unit_names,
        employee_names=employee_names,
        course_titles=course_titles,
        admin=_sign_in(admin_user),
        taker_client=taker_client,
        roadmap_query={"target": f"{target:.2f}", "years": "3"},
    )


@pytest.fixture
def hostile(region_a: Any, trap: Trap) -> Iterator[Hostile]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        yield make_hostile(region_a, trap)
