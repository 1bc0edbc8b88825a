"""Importing completed training from an XLSX or CSV file: the template, and reading a file into the
rule set of :mod:`assessment.training.services.recording` (all or nothing).

The file is read by the staff-register import's capped reader (``assessment.people.services.reading``),
so every limit on what a crafted file can cost applies here too. A training file is read in the web
request, unlike the staff register (which queues a Celery check in an isolated child): it is capped at
:data:`MAX_BYTES` (2 MB, about 20,000 rows), which the capped reader reads in about a second, and the
rows go to the same checks as the API's bulk call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessment.people.services.reading import read_register
from assessment.training.models import Source
from assessment.training.services import recording
from frontend.tabular import TableError, template_xlsx

__all__ = ["COLUMNS", "MAX_BYTES", "ImportFailed", "import_file", "template"]

MAX_BYTES = 2 * 2**20

# Canonical field -> accepted headers; the first is the template's and the one messages name.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "nip": ("NIP", "NIP Baru"),
    "course_title": ("Nama Pelatihan", "Pelatihan", "Judul Pelatihan", "Nama Diklat", "Course"),
    "provider": ("Penyelenggara", "Lembaga Penyelenggara", "Provider"),
    "completed_on": ("Tanggal Selesai", "Tgl Selesai", "Tanggal Sertifikat", "Completed"),
    "jp": ("JP", "Jumlah JP", "Jam Pelajaran"),
    "certificate_number": ("Nomor Sertifikat", "No Sertifikat", "Certificate Number"),
}

NOTES = (
    "Satu baris untuk satu pelatihan yang sudah selesai diikuti satu pegawai.",
    "NIP: 18 angka, pegawai harus sudah ada di daftar pegawai. "
    "Format kolom sebagai Teks agar angka tidak hilang.",
    "Nama Pelatihan: wajib. Nama yang sama dengan katalog pelatihan daerah dicocokkan otomatis.",
    "Penyelenggara: lembaga yang menyelenggarakan (boleh kosong).",
    "Tanggal Selesai: wajib, seperti 31-12-2026 (hari-bulan-tahun); tidak boleh tanggal yang akan datang.",
    "JP: wajib, jam pelajaran (45 menit) dari 0,5 sampai 500, paling banyak satu desimal.",
    "Nomor Sertifikat: boleh kosong.",
    "Satu baris yang salah membatalkan seluruh berkas: perbaiki semua pesan, lalu unggah lagi.",
    "Pelatihan yang sudah tercatat (NIP, nama, tanggal dan nomor sertifikat sama) dilewati, "
    "tidak dihitung dua kali.",
)


class ImportFailed(Exception):
    """The file cannot be imported; ``problems`` lists every reason (row 0: the file as a whole)."""

    def __init__(self, problems: tuple[recording.Problem, ...]) -> None:
        super().__init__(f"{len(problems)} masalah")
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    saved: recording.Saved
    rows: int


def template() -> bytes:
    headers = [names[0] for names in COLUMNS.values()]
    example = ["199001012015031001", "Literasi Data untuk ASN", "LAN RI", "15-03-2026", 20, "LAN-2026-000123"]
    return template_xlsx(headers, [example], NOTES, text_columns=[0])


def import_file(data: bytes, filename: str, *, user: Any) -> Imported:
    """Read, check and save; raise :class:`ImportFailed` with every problem, saving nothing."""
    try:
        table = read_register(data, filename, COLUMNS, recording.REQUIRED, max_bytes=MAX_BYTES)
    except TableError as exc:
        raise ImportFailed((recording.Problem(0, "-", str(exc)),)) from None
    columns = {field: table.headers.get(field, COLUMNS[field][0]) for field in COLUMNS}
    rows = [(number, values) for number, values in table.rows if any(v is not None for v in values.values())]
    try:
        entries = recording.check(rows, columns)
    except recording.Rejected as exc:
        raise ImportFailed(exc.problems) from None
    return Imported(recording.save(entries, Source.IMPORT, filename=filename, user=user), len(entries))
