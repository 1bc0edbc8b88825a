"""A figure reads the same on the page, in the PDF and in the export, and a person's index never reads as
the next level's number. Both failed before: PDFs and exports rounded the binary float (2.125 -> 2.12)
where pages round half up (2.13), and an index of 2.47 read "2,5" beside "2 Menengah"."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from accounts.roles import Role
from assessment.results.models import Score
from frontend.numbers import half_up, rounded
from frontend.pdf import decimal
from tests.assessment.results.test_pages import signed_in
from tests.pdftext import pages_text


def test_the_pdf_rounds_as_the_pages_do() -> None:
    assert (decimal(2.125), decimal(1.005), decimal(2.135, 2), decimal(1234.5, 0)) == (
        "2,13",
        "1,01",
        "2,14",
        "1.235",
    )
    assert (str(half_up(2.675, 2)), rounded(0.125, 2), decimal(-0.004)) == ("2.68", 0.13, "0,00")


def test_an_index_just_below_a_cut_never_reads_as_the_next_level(scored: Any) -> None:
    region, round_ = scored
    score = Score.objects.filter(round=round_, complete=True).select_related("employee").order_by("pk")[0]
    Score.objects.filter(pk=score.pk).update(index=2.47, level=2)
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    url = f"/hasil/{round_.pk}/pegawai/{score.employee_id}/"
    page = admin.get(url).content.decode()
    assert 'id="my-index">2,4<' in page
    text = " ".join(pages_text(admin.get(url + "laporan.pdf").content))
    assert "Indeks Anda: 2,4 dari 4, tingkat 2" in " ".join(text.split())
    assert _export_index(admin, round_.pk, score.employee.nip) == 2.47  # two decimals, rounded down
    Score.objects.filter(pk=score.pk).update(index=2.4999)
    assert _export_index(admin, round_.pk, score.employee.nip) == 2.49  # never 2.50 beside level 2


def _export_index(client: Any, round_pk: int, nip: str) -> float:
    """The index beside "2 Menengah" in the per-employee export's row of ``nip``."""
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/hasil/{round_pk}/ekspor.xlsx").content)).active
    (row,) = [[c.value for c in r] for r in sheet.iter_rows() if any(c.value == nip for c in r)]
    return float(row[row.index("2 Menengah") - 1])
