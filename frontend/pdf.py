"""A4 documents the app prints (code sheets, reports, results): one page layout for all of them."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

FOOTER = "Indeks Kompetensi Digital ASN (IKD)"


def _footer(canvas: Any, document: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(195 * mm, 10 * mm, f"Halaman {document.page}")
    canvas.drawString(15 * mm, 10 * mm, FOOTER)
    canvas.restoreState()


def build(title: str, story: list[Any]) -> bytes:
    """Lay ``story`` out on A4 pages with 15 mm margins, the product's name and page numbers."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
    )
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
