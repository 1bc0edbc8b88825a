"""The invoice as a printed document (A4, Indonesian): who bills whom, for what, price, PPN and total.

Why a plain dataclass in front of the layout: the document prints what the invoice *is* (its stored
amounts, computed once by billing.money when the invoice was made), never recomputes them, and knows
nothing of models or Stripe; the view fills ``InvoiceDocument`` from the invoice and its region's billing
profile. Every piece of text reaches ReportLab through frontend.pdf (``paragraph``/``cell``/``markup``),
so a buyer name typed with markup is printed as written.

Indonesian whatever the reader's page language (invoices are printed and filed by the treasury): money as
``Rp 7.500.000``, dates as ``4 Agustus 2026``, PPN on its own line with its base (DPP, 11/12 of the price,
PMK 131/2024) so the treasurer can book it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from billing import npwp
from frontend import dates
from frontend.pdf import CELL, CELL_BOLD, CELL_RIGHT, build, cell, integer, markup, paragraph, rupiah

WIDTH = 180 * mm  # A4 less frontend.pdf's 15 mm margins
HEAD_RIGHT = ParagraphStyle("ikd-invoice-head-right", parent=CELL_BOLD, alignment=TA_RIGHT)
TOTAL_RIGHT = ParagraphStyle("ikd-invoice-total", parent=CELL_RIGHT, fontName="Helvetica-Bold")


def long_date(day: date | None) -> str:
    """``4 Agustus 2026``; ``–`` for no date."""
    return "–" if day is None else dates.long_date(day)


@dataclass(frozen=True)
class Party:
    name: str
    npwp: str = ""  # digits
    address: str = ""
    contact: str = ""  # a person, an email


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_price: int | None  # rupiah; None when not one price per employee (a prorated upgrade)
    amount: int  # rupiah, before tax


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    status: str  # in Indonesian: "Belum dibayar", "Lunas", ...
    issued_on: date | None
    due_on: date | None
    seller: Party
    buyer: Party
    lines: Sequence[Line]
    subtotal: int  # sum of the lines
    discount: int  # rupiah taken off (0: none)
    price: int  # subtotal less discount: the taxable price
    tax_base: int  # DPP: 11/12 of the price
    ppn: int  # 12 % of the tax base
    total: int  # price plus PPN
    period_start: date | None = None
    period_end: date | None = None
    ekatalog_number: str = ""
    paid_on: date | None = None
    payment_reference: str = ""  # SP2D number or Stripe's payment
    payment_note: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f1f3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)
_PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
)


def _party_cell(title: str, party: Party) -> list[object]:
    parts: list[object] = [cell(title, CELL_BOLD), cell(party.name, CELL_BOLD)]
    if party.npwp:
        parts.append(cell(f"NPWP {npwp.display(party.npwp)}"))
    parts.extend(cell(line.strip()) for line in (party.address or "").splitlines() if line.strip())
    if party.contact:
        parts.append(cell(party.contact))
    return parts


def _facts(document: InvoiceDocument) -> Table:
    rows = [
        ("Nomor tagihan", document.number),
        ("Tanggal", long_date(document.issued_on)),
        ("Jatuh tempo", long_date(document.due_on)),
        ("Status", document.status),
    ]
    if document.period_start or document.period_end:
        rows.append(
            ("Masa kontrak", f"{long_date(document.period_start)} – {long_date(document.period_end)}")
        )
    if document.ekatalog_number:
        rows.append(("Nomor pesanan e-Katalog / kontrak", document.ekatalog_number))
    made = Table(
        [[cell(label, CELL_BOLD), cell(value)] for label, value in rows], colWidths=[55 * mm, WIDTH - 55 * mm]
    )
    made.setStyle(_PLAIN)
    return made


def _lines(document: InvoiceDocument) -> Table:
    widths = [90 * mm, 25 * mm, 30 * mm, 35 * mm]
    head = [cell("Uraian", CELL_BOLD), cell("Jumlah", HEAD_RIGHT), cell("Harga satuan", HEAD_RIGHT)]
    head.append(cell("Nilai", HEAD_RIGHT))
    body = [head]
    body.extend(
        [
            cell(line.description),
            cell(integer(line.quantity), CELL_RIGHT),
            cell(rupiah(line.unit_price), CELL_RIGHT),
            cell(rupiah(line.amount), CELL_RIGHT),
        ]
        for line in document.lines
    )
    made = Table(body, colWidths=widths, repeatRows=1)
    made.setStyle(_GRID)
    return made


def _totals(document: InvoiceDocument) -> Table:
    rows: list[tuple[str, int, bool]] = [("Subtotal", document.subtotal, False)]
    if document.discount:
        rows.append(("Potongan harga", -document.discount, False))
        rows.append(("Harga setelah potongan", document.price, False))
    rows += [
        ("Dasar pengenaan pajak (DPP, 11/12 × harga)", document.tax_base, False),
        ("PPN 12% × DPP", document.ppn, False),
        ("Total tagihan", document.total, True),
    ]
    body = []
    for label, amount, strong in rows:
        shown = f"-{rupiah(-amount)}" if amount < 0 else rupiah(amount)
        body.append(
            [cell(label, CELL_BOLD if strong else CELL), cell(shown, TOTAL_RIGHT if strong else CELL_RIGHT)]
        )
    made = Table(body, colWidths=[WIDTH - 45 * mm, 45 * mm], hAlign="RIGHT")
    made.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, len(body) - 1), (-1, len(body) - 1), 0.8, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return made


def render(document: InvoiceDocument) -> bytes:
    """The invoice as PDF bytes."""
    styles = getSampleStyleSheet()
    story: list[object] = [
        paragraph(markup("<b>TAGIHAN</b> {number}", number=document.number), styles["Title"]),
        _facts(document),
        Spacer(1, 5 * mm),
    ]
    parties = Table(
        [[_party_cell("Dari", document.seller), _party_cell("Kepada", document.buyer)]],
        colWidths=[WIDTH / 2, WIDTH / 2],
    )
    parties.setStyle(_PLAIN)
    story += [parties, Spacer(1, 5 * mm), _lines(document), Spacer(1, 3 * mm), _totals(document)]
    story.append(Spacer(1, 5 * mm))
    if document.paid_on is not None:
        paid = markup(
            "<b>LUNAS</b> pada {day}. Referensi pembayaran: {reference}.",
            day=long_date(document.paid_on),
            reference=document.payment_reference or "–",
        )
        story.append(paragraph(paid, styles["Normal"]))
        if document.payment_note:
            story.append(paragraph(document.payment_note, styles["Normal"]))
    for note in document.notes:
        story.append(paragraph(note, styles["Normal"]))
    return build(f"Tagihan {document.number}", story)


__all__ = ["InvoiceDocument", "Line", "Party", "long_date", "render"]
