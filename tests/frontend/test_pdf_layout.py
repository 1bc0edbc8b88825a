"""Every PDF the product makes is laid out so it can be read: no two glyphs overlap, and none runs off
the page. Text positions come from pdfplumber (each character's box as a PDF reader places it).

Two sets of documents are checked:

* every route that serves a PDF (``conftest.DOWNLOADS``), with hostile names that are long and full of
  markup (``make_hostile``): table cells must wrap them, charts must cut them;
* a region of a real shape: its report with a logo and a national comparison (regions published for the
  same instrument and year), the code sheet of a unit with a very long job title, the roadmap. These also
  check what each document must say: the executive summary on one page, the slips' address and
  session time, Indonesian numbers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from tests.frontend.conftest import DOWNLOADS, WALKED_IN_BILLING_TESTS, Hostile
from tests.pdftext import overlaps, pages_text

SAVED = Path(__file__).resolve().parents[2] / ".ikd" / "pdfs"  # the last documents made, to look at


def test_the_checker_finds_text_drawn_over_text() -> None:
    """A plain ReportLab table cell that is too long runs into the next column: the check must see it."""
    from reportlab.platypus import Table

    from frontend.pdf import build

    bad = build("uji", [Table([["Penyelenggara yang namanya panjang sekali", "Alasan"]], colWidths=[40, 40])])
    assert overlaps(bad)
    from frontend.pdf import cell

    good = build(
        "uji",
        [Table([[cell("Penyelenggara yang namanya panjang sekali"), cell("Alasan")]], colWidths=[40, 40])],
    )
    assert overlaps(good) == []


def test_no_pdf_route_overlaps_text_with_hostile_names(hostile: Hostile) -> None:
    names = [
        name for name, kinds in DOWNLOADS.items() if "pdf" in kinds and name not in WALKED_IN_BILLING_TESTS
    ]
    assert {
        "code_sheet",
        "results_export",
        "results_unit_report",
        "results_roadmap_export",
        "my_result_pdf",
    } <= set(names)
    for name in names:
        response = hostile.client_for(name).get(hostile.url(name, "pdf"))
        assert response.status_code == 200, (name, response.content[:200])
        SAVED.mkdir(parents=True, exist_ok=True)
        (SAVED / f"hostile-{name}.pdf").write_bytes(response.content)
        assert overlaps(response.content) == [], name


def _logo() -> bytes:
    picture = Image.new("RGB", (300, 200), (31, 78, 121))
    out = io.BytesIO()
    picture.save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def real_region(region_a: Any) -> Any:
    """A scored round, sent to the benchmark beside 30 simulated regions of the same year; a unit's
    employee with a very long job title."""
    from assessment.people.models import Employee
    from assessment.results.services import benchmark_simulation, publishing
    from tests.assessment.results.conftest import scored_round

    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        round_ = scored_round(region_a, employees=150, takers=130)
        publication = publishing.publish_round(round_)
        codes = benchmark_simulation.demo_codes(30, 0, [region_a.code], seed=3)
        planned = benchmark_simulation.plan(codes, [publication.period], seed=3)
        benchmark_simulation.publish_simulated(planned, publication.instrument, seed=3)
        employee = Employee.objects.filter(participations__round=round_).order_by("full_name").first()
        employee.position_title = (
            "Pranata Komputer Ahli Muda pada Subbagian Perencanaan, Evaluasi dan Pelaporan "
            "Bidang Pengelolaan Teknologi Informasi dan Komunikasi"
        )
        employee.save(update_fields=["position_title"])
        yield region_a, round_, employee


def _admin(region: Any) -> Client:
    from accounts.roles import Role
    from tests.factories import PASSWORD, make_user

    user = make_user(region, Role.REGION_ADMIN, email="laporan@samarinda.go.id")
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_region_report_code_sheet_and_roadmap_read_well(real_region: Any) -> None:
    from assessment.people.models import WorkUnit
    from assessment.results.reports.region import CHARTS_TITLE, SUMMARY_TITLE
    from assessment.rounds.models import Participant

    region, round_, employee = real_region
    admin = _admin(region)

    # The logo: a JPEG is taken (kept as PNG); a file that is not an image is refused, saying why.
    page = admin.get("/pengaturan/laporan/")
    assert page.status_code == 200
    refused = admin.post("/pengaturan/laporan/", {"logo": io.BytesIO(b"%PDF-1.4 not an image")})
    assert refused.status_code == 200
    assert "PNG" in refused.content.decode()
    upload = io.BytesIO(_logo())
    upload.name = "logo-kota.jpg"
    assert admin.post("/pengaturan/laporan/", {"logo": upload}).status_code == 302
    assert admin.get("/pengaturan/laporan/logo.png")["Content-Type"] == "image/png"

    report = admin.get(f"/hasil/{round_.pk}/ekspor.pdf").content
    assert overlaps(report) == []
    text = [re.sub(r"\s+", " ", page) for page in pages_text(report)]
    SAVED.mkdir(parents=True, exist_ok=True)
    (SAVED / "region-report.pdf").write_bytes(report)
    cover, summary, charts = text[0], text[1], text[2]
    assert region.name in cover
    assert "Pelaksanaan tes:" in cover
    assert "Laporan dibuat:" in cover
    with pdfplumber.open(io.BytesIO(report)) as document:
        assert len(document.pages[0].images) == 1  # the logo
    # The executive summary is one page, and the charts start on the next.
    assert summary.startswith(SUMMARY_TITLE)
    assert "Usulan peta jalan pelatihan" in summary
    assert "Posisi di antara wilayah" in summary
    assert charts.startswith(CHARTS_TITLE)
    # Its figures: the interval, participation of invited, the standing among the published regions.
    assert re.search(r"selang kepercayaan 95%: \d,\d\d–\d,\d\d", summary)
    assert re.search(r"\d+ dari 150 pegawai yang diundang", summary)
    assert re.search(r"Secara nasional: peringkat \d+ dari 31 wilayah", summary)
    assert "Rata-rata nasional" in summary
    # Too few regions published in the province: said, with the rule, instead of a rank among one.
    assert re.search(r"Di Provinsi Kalimantan Timur: baru 1 wilayah .* aturan cakupan", summary)
    assert re.search(r"Rp \d{1,3}(\.\d{3})+", summary)
    assert "parameter" in summary.lower()
    whole = "\n".join(text)
    assert "Unit kerja per area" in whole
    assert "Sebaran tingkat kompetensi" in whole
    assert "Catatan metode" in whole
    assert not re.search(r"\b\d+\.\d\d\b", whole), "a decimal point instead of a comma"

    # The code sheet: each slip has the address and the session's date and time; the long job title wraps.
    unit = WorkUnit.objects.get(pk=Participant.objects.get(round=round_, employee=employee).unit_id)
    sheet = admin.get(f"/ronde/{round_.pk}/kode/{unit.pk}.pdf").content
    (SAVED / "code-sheet.pdf").write_bytes(sheet)
    assert overlaps(sheet) == []
    slips = Participant.objects.filter(round=round_, unit=unit).count()
    flat = re.sub(r"\s+", " ", " ".join(pages_text(sheet)))
    assert flat.count("samarinda.") >= slips + 1
    assert flat.count("/tes/") >= slips + 1
    assert flat.count("Jadwal sesi:") == slips + 1
    assert re.search(r"Jadwal sesi: \w+, \d{1,2} \w+ \d{4}, \d\d\.\d\d–\d\d\.\d\d WITA", flat)
    assert "Bidang Pengelolaan Teknologi Informasi dan Komunikasi" in flat

    # The employee's own result, with the learning plan's provider and reason side by side.
    from assessment.rounds.services import codes

    taker = Client(HTTP_HOST="samarinda.localhost")
    participant = Participant.objects.get(round=round_, employee=employee)
    assert taker.post("/tes/", {"nip": employee.nip, "code": codes.code_for(participant)}).status_code == 302
    own = taker.get("/tes/hasil.pdf").content
    (SAVED / "employee.pdf").write_bytes(own)
    assert overlaps(own) == []
    assert "Penyelenggara" in " ".join(pages_text(own))

    # The roadmap: money and numbers the Indonesian way.
    roadmap = admin.get(f"/hasil/{round_.pk}/peta-jalan.pdf?target=2.6&years=3").content
    (SAVED / "roadmap.pdf").write_bytes(roadmap)
    assert overlaps(roadmap) == []
    words = " ".join(pages_text(roadmap))
    assert re.search(r"Rp \d{1,3}(\.\d{3})+", words)
    assert not re.search(r"Rp \d{4,}", words)
    assert not re.search(r"\b\d+\.\d\d\b", words)
