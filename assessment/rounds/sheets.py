"""Printable access-code sheets per work unit, for coordinators (PDF and XLSX).

Round and unit names are typed by admins: they enter the PDF only through ``frontend.pdf`` (escaped,
never read as markup) and the XLSX only through ``frontend.tabular`` (formula-safe)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from assessment.rounds.models import Participant, Round
from assessment.rounds.services.codes import code_for
from frontend.pdf import build, markup, paragraph
from frontend.tabular import write_xlsx

HEADERS = ["NIP", "Nama", "Jabatan", "Kode akses"]


def rows(round_: Round, unit_id: int) -> list[list[str]]:
    participants = (
        Participant.objects.filter(round=round_, unit_id=unit_id)
        .select_related("employee")
        .order_by("employee__full_name")
    )
    return [
        [p.employee.nip, p.employee.full_name, p.employee.position_title, code_for(p)] for p in participants
    ]


def xlsx(round_: Round, unit_id: int) -> bytes:
    return write_xlsx(HEADERS, rows(round_, unit_id), sheet_title="Kode akses")


def pdf(round_: Round, unit_name: str, unit_id: int, site_url: str) -> bytes:
    styles = getSampleStyleSheet()
    story = [
        paragraph(markup("<b>{round}</b> — kode akses peserta", round=round_.name), styles["Title"]),
        paragraph(f"Unit kerja: {unit_name}", styles["Heading3"]),
        paragraph(
            markup(
                "Masuk di <b>{site}tes/</b> dengan NIP dan kode akses masing-masing. Kode bersifat "
                "pribadi: potong per baris dan serahkan kepada pegawai yang bersangkutan.",
                site=site_url,
            ),
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    data = [HEADERS, *rows(round_, unit_id)]
    table = Table(data, colWidths=[45 * mm, 60 * mm, 45 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONT", (3, 1), (3, -1), "Courier-Bold", 11),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f1f3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTSIZE", (0, 1), (2, -1), 8),
            ]
        )
    )
    story.append(table)
    return build(f"Kode akses {unit_name}", story)
