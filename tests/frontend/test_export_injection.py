"""Every CSV and XLSX download is formula-safe, and every download's file name survives any unit code.

The routes are walked from ``DOWNLOADS`` (checked against both URLconfs) with hostile names: a cell
that starts like a formula (``= + - @``, tab, CR) must come out with the leading apostrophe of
``frontend.tabular.neutralise``.  The file name of a download carries a unit code with ``"``, ``;``,
a newline and a non-ASCII letter: the header is well-formed and names the file as written.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from accounts.roles import Role
from tests.factories import PASSWORD, make_user
from tests.frontend.conftest import (
    DOWNLOADS,
    FORMULAS,
    TRIGGERS,
    UNIT_CODE,
    WALKED_IN_BILLING_TESTS,
    Hostile,
    disposition_name,
    download_routes,
    read_pdf,
)

NUMBER = re.compile(r"-?\d+([.,]\d+)?")


def cells(content: bytes, kind: str) -> list[tuple[str, Any, str]]:
    """(where, value, data type) of every cell of a CSV (``;``) or of every sheet of an XLSX."""
    if kind == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for the accents
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
        return [(f"{r}:{c}", value, "s") for r, row in enumerate(rows) for c, value in enumerate(row)]
    book = load_workbook(io.BytesIO(content))
    return [
        (f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def unsafe(found: list[tuple[str, Any, str]]) -> list[tuple[str, Any]]:
    """Cells a spreadsheet would run: formula cells, and text that starts with a trigger."""
    return [
        (where, value)
        for where, value, data_type in found
        if data_type == "f"
        or (isinstance(value, str) and value.startswith(TRIGGERS) and not NUMBER.fullmatch(value))
    ]


def test_every_download_route_is_walked() -> None:
    """A new route that serves a file fails here until the tests below request it."""
    assert set(download_routes()) == set(DOWNLOADS)


def test_every_spreadsheet_route_neutralises_formulas(hostile: Hostile) -> None:
    """Employee, unit and course names and phone numbers that start like formulas come out with the
    apostrophe in every CSV and XLSX of a region's site (before: ``belum-mulai.csv`` wrote them raw)."""
    shown = tuple("'" + f for f in FORMULAS)
    for name, kinds in DOWNLOADS.items():
        for kind in kinds:
            if kind == "pdf" or name in {"national_export", "operator_audit_export"}:  # public site's
                continue
            if name in WALKED_IN_BILLING_TESTS:
                continue
            response = hostile.client_for(name).get(hostile.url(name, kind))
            assert response.status_code == 200, (name, kind)
            found = cells(response.content, kind)
            assert unsafe(found) == [], (name, kind)
            templates = {"import_template", "user_import_template", "training_template"}
            if name not in templates:  # templates hold no region data
                assert any(isinstance(v, str) and v.startswith(shown) for _, v, _ in found), (name, kind)


@pytest.mark.usefixtures("db")
def test_the_national_export_neutralises_formulas() -> None:
    """The public site's download: round names published by regions start like formulas."""
    from benchmark.models import Generation, Publication
    from tests.benchmark.conftest import publish_regions

    publish_regions(years=(2025,))
    for i, publication in enumerate(Publication.objects.order_by("pk")):
        publication.round_name = FORMULAS[i % len(FORMULAS)]
        publication.save(update_fields=["round_name"])
    # The export is cached per benchmark generation, and rolled-back tests reuse generation numbers.
    Generation.objects.update_or_create(pk=1, defaults={"value": uuid.uuid4().int % 10**9})
    client = Client(HTTP_HOST="localhost")
    viewer = make_user(None, Role.NATIONAL_VIEWER)
    assert client.post("/akun/login/", {"login": viewer.email, "password": PASSWORD}).status_code == 302
    for kind in DOWNLOADS["national_export"]:
        response = client.get(f"/nasional/unduh.{kind}")
        assert response.status_code == 200, kind
        found = cells(response.content, kind)
        assert unsafe(found) == [], kind
        assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for _, v, _ in found), kind


def test_download_names_carry_any_unit_code(hostile: Hostile) -> None:
    """A unit code with a quote, a semicolon, a newline and a non-ASCII letter: before, the header
    broke (a newline made Django refuse it: a 500)."""
    from assessment.people.models import WorkUnit

    WorkUnit.objects.filter(pk=hostile.unit.pk).update(code=UNIT_CODE)
    pk = hostile.round.pk
    wanted = {
        hostile.url("code_sheet", "pdf"): 'kode-akses-D"1;-Ü.pdf',
        hostile.url("code_sheet", "xlsx"): 'kode-akses-D"1;-Ü.xlsx',
        hostile.url("results_unit_report", "pdf"): f'laporan-D"1;-Ü-{pk}.pdf',
    }
    for url, name in wanted.items():
        response = hostile.admin.get(url)
        assert response.status_code == 200, url
        header = response["Content-Disposition"]
        assert header.startswith("attachment; filename*=utf-8''"), header  # RFC 5987: not ASCII
        assert disposition_name(header) == name
        if url.endswith(".pdf"):
            read_pdf(response.content)


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ('kode-akses-A"B;C.pdf', r'attachment; filename="kode-akses-A\"B;C.pdf"'),
        ("kode-akses-A\r\nSet-Cookie: x=1.pdf", 'attachment; filename="kode-akses-A-Set-Cookie: x=1.pdf"'),
        ("../../etc/passwd", 'attachment; filename="..-..-etc-passwd"'),
        (
            "laporan-Dinas Pendidikan & Kebudayaan.pdf",
            'attachment; filename="laporan-Dinas Pendidikan & Kebudayaan.pdf"',
        ),
        ("hasil-Ünit.csv", "attachment; filename*=utf-8''hasil-%C3%9Cnit.csv"),
    ],
)
def test_the_attachment_helper_quotes_every_name(filename: str, header: str) -> None:
    from frontend.downloads import attachment

    response = attachment(b"x", filename, "text/csv; charset=utf-8")
    assert response["Content-Disposition"] == header


def test_no_module_writes_a_download_by_hand() -> None:
    """The one writer per duty: CSV and XLSX through frontend/tabular.py, headers through
    frontend/downloads.py."""
    root = Path(settings.BASE_DIR)
    rules = {
        re.compile(r"csv\.writer\(|csv\.DictWriter\("): root / "frontend" / "tabular.py",
        # Writing a workbook; reading an upload (load_workbook, in the people import) is no export.
        re.compile(r"\bWorkbook\(|openpyxl\.Workbook|from openpyxl import .*\bWorkbook\b"): root
        / "frontend"
        / "tabular.py",
        re.compile(r"Content-Disposition", re.I): root / "frontend" / "downloads.py",
    }
    offenders = [
        (str(path.relative_to(root)), pattern.pattern)
        for folder in (
            "accounts",
            "assessment",
            "audit",
            "benchmark",
            "billing",
            "config",
            "frontend",
            "tenants",
        )
        for path in (root / folder).rglob("*.py")
        for pattern, home in rules.items()
        if path != home and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
