"""Printable access-code sheets per work unit, for coordinators (PDF and XLSX).

The PDF is a stack of cut-out slips, one per employee: each slip stands alone once cut, so it carries
everything the employee needs on test day: the site address to open, the round's session dates and
times in the region's time zone, their name, NIP, job title and their code. Every text cell wraps
within its column: a long job title runs onto a second line instead of over the code. A dashed line
between slips shows where to cut; a slip is one table row, so it is never split over two pages.

Round, unit and employee names are typed by admins: they enter the PDF only through ``frontend.pdf``
(escaped, never read as markup) and the XLSX only through ``frontend.tabular`` (formula-safe)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Spacer, Table, TableStyle

from assessment.rounds.models import Participant, Round, Session
from assessment.rounds.services.codes import code_for
from frontend.dates import day_and_date
from frontend.pdf import CELL, build, markup, paragraph
from frontend.tabular import write_xlsx

HEADERS = ["NIP", "Nama", "Jabatan", "Kode akses"]
SHOWN_SESSIONS = 3  # on a slip; more are summed up as "and N more"

NAME = ParagraphStyle("slip-name", parent=CELL, fontName="Helvetica-Bold", fontSize=10, leading=13)
SMALL = ParagraphStyle("slip-small", parent=CELL, fontSize=8, leading=10)
LABEL = ParagraphStyle("slip-label", parent=CELL, fontSize=7, leading=9, textColor=colors.HexColor("#4d5b69"))
CODE = ParagraphStyle("slip-code", parent=CELL, fontName="Courier-Bold", fontSize=16, leading=20)
SLIP = TableStyle(
    [
        ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#1f4e79")),
        ("LINEBEFORE", (1, 0), (1, 0), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (1, 0), (1, 0), colors.HexColor("#e3f1f3")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


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


def session_text(start: datetime, end: datetime, tz: tzinfo, zone: str) -> str:
    """``Senin, 4 Agustus 2025, 08.00–10.00 WITA`` (the end's date too when it is another day)."""
    start, end = start.astimezone(tz), end.astimezone(tz)
    day = day_and_date(start)
    until = f"{end:%H.%M}"
    if end.date() != start.date():
        until = f"{day_and_date(end)} {until}"
    return f"{day}, {start:%H.%M}–{until} {zone}".strip()


def schedule(sessions: list[Session], tz: tzinfo, zone: str) -> str:
    if not sessions:
        return "Jadwal sesi: belum ditetapkan, tanyakan kepada koordinator unit."
    shown = [session_text(s.starts_at, s.ends_at, tz, zone) for s in sessions[:SHOWN_SESSIONS]]
    more = len(sessions) - SHOWN_SESSIONS
    text = "; ".join(shown) + (f"; dan {more} sesi lain" if more > 0 else "")
    return f"Jadwal sesi: {text}."


def _slip(
    nip: str, name: str, title: str, code: str, unit_name: str, round_name: str, site: str, when: str
) -> Table:
    """One slip: a single table row (a row is never split over pages), few paragraphs (a unit of a
    thousand people is a thousand slips)."""
    person = [
        paragraph(round_name, LABEL),
        paragraph(name, NAME),
        paragraph(
            markup(
                "NIP {nip}<br/>Jabatan: {title}<br/>Unit kerja: {unit}",
                nip=nip,
                title=title or "–",
                unit=unit_name,
            ),
            SMALL,
        ),
        HRFlowable(width="100%", thickness=0.4, color=colors.grey, spaceBefore=3, spaceAfter=3),
        paragraph(
            markup(
                "Buka <b>{site}tes/</b> lalu masuk dengan NIP dan kode akses di atas.<br/>{when}",
                site=site,
                when=when,
            ),
            SMALL,
        ),
    ]
    secret = [paragraph("Kode akses (pribadi)", LABEL), paragraph(code, CODE)]
    slip = Table([[person, secret]], colWidths=[125 * mm, 55 * mm])
    slip.setStyle(SLIP)
    return slip


def pdf(round_: Round, unit_name: str, unit_id: int, site_url: str, tz: tzinfo, zone: str = "") -> bytes:
    """The unit's slips; ``site_url`` is the region's configured address, ``tz`` and ``zone`` (WIB,
    WITA, WIT) its time zone, in which the session times are printed."""
    styles = getSampleStyleSheet()
    sessions = list(round_.sessions.order_by("starts_at"))
    when = schedule(sessions, tz, zone)
    story: list[Any] = [
        paragraph(markup("<b>{round}</b> — kode akses peserta", round=round_.name), styles["Title"]),
        paragraph(f"Unit kerja: {unit_name}", styles["Heading3"]),
        paragraph(
            markup(
                "Masuk di <b>{site}tes/</b> dengan NIP dan kode akses masing-masing. Kode bersifat "
                "pribadi: potong per slip di garis putus-putus dan serahkan kepada pegawai yang "
                "bersangkutan.",
                site=site_url,
            ),
            styles["Normal"],
        ),
        paragraph(when, styles["Normal"]),
        Spacer(1, 5 * mm),
    ]
    for nip, name, title, code in rows(round_, unit_id):
        story += [
            _slip(nip, name, title, code, unit_name, round_.name, site_url, when),
            HRFlowable(
                width="100%", thickness=0.5, color=colors.grey, dash=(3, 3), spaceBefore=6, spaceAfter=6
            ),
        ]
    return build(f"Kode akses {unit_name}", story)
