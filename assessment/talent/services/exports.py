"""The talent register as a file (XLSX, CSV) for BKPSDM's own work: the filtered list, every row.

Documents are in Indonesian, like the results exports (they are filed and forwarded). Every cell goes
through ``frontend.tabular`` (formula-safe; the NIP column kept as text). Area scores are the stored
values rounded to two decimals, as the per-employee results export writes them; levels are the stored
ones, with the level names the exports use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils import translation

from assessment.instrument.basis import ParameterBasis
from assessment.results.exports import LEVELS
from assessment.results.services import segments
from assessment.talent.services.register import TalentFilters, TalentRow, all_rows, current_areas
from frontend.tabular import write_csv, write_xlsx

FORMATS = ("xlsx", "csv")


def headers(areas: list[tuple[str, str]], year: int) -> list[str]:
    area_cols = []
    for code, name in areas:
        area_cols += [f"Area {code} {name}", f"Tingkat area {code}"]
    return [
        "NIP",
        "Nama",
        "Unit Kerja",
        "Jenis Jabatan",
        "Status Kepegawaian",
        "Pangkat/Golongan",
        "Kelompok Golongan",
        "Kelompok Usia",
        "Ronde",
        "Tanggal Tes",
        "Indeks",
        "Tingkat",
        "SE Indeks",
        *area_cols,
        "Soal dijawab",
        "Parameter butir",
        f"JP {year}",
        "JP wajib",
    ]


def _cells(row: TalentRow, areas: list[tuple[str, str]]) -> list[object]:
    base: list[object] = [
        row.nip,
        row.name,
        row.unit,
        segments.label("position_type", row.position_type),
        segments.label("status", row.status),
        row.rank,
        segments.label("rank_group", row.rank_group),
        segments.label("age_band", row.age_band),
    ]
    r = row.result
    if r is None:
        base += ["Belum diukur", "", "", "", "", *([""] * (2 * len(areas))), "", ""]
    else:
        marks = {m.area: m for m in r.areas}
        area_cells: list[object] = []
        for code, _name in areas:
            m = marks.get(code)
            area_cells += [round(m.score, 2), f"{m.level} {LEVELS.get(m.level, '')}"] if m else ["", ""]
        basis = ParameterBasis.from_json(r.parameters)
        base += [
            r.round_name,
            r.taken_on or "",
            round(r.index, 2),
            f"{r.level} {LEVELS.get(r.level, '')}",
            round(r.index_se or 0.0, 2),
            *area_cells,
            f"{r.answered} dari {r.administered}",
            "sementara" if basis.provisional else f"terkalibrasi {basis.label}",
        ]
    return [*base, row.jp, row.jp_required]


def talent_table(filters: TalentFilters, fmt: str, *, on: date) -> bytes:
    with translation.override("id"):
        areas = current_areas()
        head = headers(areas, on.year)
        rows: Iterator[list[object]] = (_cells(r, areas) for r in all_rows(filters, on=on))
        if fmt == "xlsx":
            return write_xlsx(head, rows, sheet_title="Talenta")
        return write_csv(head, list(rows))
