"""The training report a BKPSDM keeps: per employee, the JP of a year against the 20 owed, and a recap
per unit.

Columns follow what the pengembangan kompetensi reports ask (PP 11/2017 as amended by PP 17/2020: at
least 20 JP a year; PerLAN 10/2018 for PNS, PerLAN 15/2020 for PPPK, so the employment status is a
column): NIP, name, unit, position and its type, rank (golongan/ruang), status, total JP of the year,
whether 20 JP is met (Ya/Tidak), the number of trainings and the list of them ("title (provider,
date, JP)"; SIASN's riwayat diklat/kursus holds the same facts). The recap gives per unit the active
employees, how many met 20 JP, the share and the mean JP, then the region's total. Written by
``frontend.tabular`` (formula-safe); active employees only, as in the overview.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from assessment.people.models import STATUS_NAMES, Employee
from assessment.training.models import TrainingRecord
from assessment.training.services.hours import REQUIRED_JP_PER_YEAR
from assessment.training.services.overview import completion_by_unit
from frontend import tabular

__all__ = ["employee_table", "export", "unit_table"]

ZERO = Decimal("0")


def _jp(value: Decimal) -> Decimal | int:
    return int(value) if value == value.to_integral_value() else value


def employee_table(year: int) -> tuple[list[str], list[list[object]]]:
    headers = [
        "NIP",
        "Nama",
        "Unit Kerja",
        "Jabatan",
        "Jenis Jabatan",
        "Golongan/Ruang",
        "Status Kepegawaian",
        f"Total JP {year}",
        f"Memenuhi {REQUIRED_JP_PER_YEAR} JP",
        "Jumlah Pelatihan",
        "Daftar Pelatihan",
    ]
    records: dict[int, list[TrainingRecord]] = defaultdict(list)
    for record in TrainingRecord.objects.filter(completed_on__year=year).order_by("completed_on", "id"):
        records[record.employee_id].append(record)
    position_types = dict(Employee.PositionType.choices)
    rows: list[list[object]] = []
    for e in (
        Employee.objects.filter(is_active=True).select_related("unit").order_by("unit__name", "full_name")
    ):
        mine = records.get(e.pk, [])
        total = sum((r.jp for r in mine), ZERO)
        listing = "; ".join(
            f"{r.course_title} ({', '.join(filter(None, [r.provider, f'{r.completed_on:%d-%m-%Y}']))}, "
            f"{str(_jp(r.jp)).replace('.', ',')} JP)"
            for r in mine
        )
        rows.append(
            [
                e.nip,
                e.full_name,
                e.unit.name,
                e.position_title,
                str(position_types.get(e.position_type, e.position_type)),
                e.rank,
                STATUS_NAMES.get(e.employment_status, e.employment_status),
                _jp(total),
                "Ya" if total >= REQUIRED_JP_PER_YEAR else "Tidak",
                len(mine),
                listing,
            ]
        )
    return headers, rows


def unit_table(year: int) -> tuple[list[str], list[list[object]]]:
    headers = [
        "Unit Kerja",
        "Jumlah Pegawai",
        f"Memenuhi {REQUIRED_JP_PER_YEAR} JP",
        f"Belum Memenuhi {REQUIRED_JP_PER_YEAR} JP",
        "Persentase Memenuhi (%)",
        f"Rata-rata JP {year}",
        f"Total JP {year}",
    ]
    units, total = completion_by_unit(year)
    rows: list[list[object]] = [
        [
            u.unit or "Total daerah",
            u.people,
            u.met,
            u.people - u.met,
            round(u.share * 100, 1),
            _jp(u.mean_jp),
            _jp(u.jp_total),
        ]
        for u in (*units, total)
    ]
    return headers, rows


def export(year: int, fmt: str, part: str) -> bytes:
    """``part`` "pegawai" (per employee; in XLSX with the recap as a second sheet where the writer
    offers several sheets) or "unit" (the recap alone)."""
    tables: Sequence[tuple[str, tuple[list[str], list[list[object]]]]] = (
        [("Rekap Unit", unit_table(year))] if part == "unit" else [("Pegawai", employee_table(year))]
    )
    write_sheets = getattr(tabular, "write_xlsx_sheets", None)
    if fmt == "xlsx" and part != "unit" and write_sheets is not None:
        tables = [*tables, ("Rekap Unit", unit_table(year))]
        return bytes(write_sheets([(title, h, r) for title, (h, r) in tables]))
    title, (headers, rows) = tables[0]
    if fmt == "csv":
        return tabular.write_csv(headers, rows)
    return tabular.write_xlsx(headers, rows, sheet_title=title, text_columns=[0])
