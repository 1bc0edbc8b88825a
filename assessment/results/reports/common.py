"""What every printed results document shares: level names, styles, tables that wrap, and the sentence
that says what the figures rest on. Documents are in Indonesian whatever the reader's page language:
they are printed and filed."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from assessment.instrument.basis import ParameterBasis
from assessment.rounds.models import Round
from frontend.dates import long_date
from frontend.pdf import CELL, CELL_BOLD, CELL_RIGHT, cell

LEVELS = {1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat Mahir"}
HEAD_RIGHT = ParagraphStyle("ikd-cell-head-right", parent=CELL_BOLD, alignment=TA_RIGHT)
WIDTH = 180 * mm  # A4 less the 15 mm margins of frontend.pdf.build

_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f1f3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


def styles() -> StyleSheet1:
    return getSampleStyleSheet()


def level_name(level: int | None) -> str:
    return f"{level} {LEVELS.get(level, '')}" if level else "–"


def basis_sentence(round_: Round) -> str:
    """The round's parameter basis in Indonesian (the documents' language)."""
    scoring = getattr(round_, "scoring", None)
    basis = ParameterBasis.from_json(scoring.parameters if scoring is not None else None)
    with translation.override("id"):
        return basis.sentence()


def table(
    rows: Sequence[Sequence[object]], widths: Sequence[float], numeric: Sequence[int] = (), head: int = 1
) -> Table:
    """A table whose cells wrap within their column (so no text runs into the next one); the first
    ``head`` rows bold and repeated on each page; the ``numeric`` columns right-aligned."""
    body = [
        [
            cell(
                value,
                (HEAD_RIGHT if c in numeric else CELL_BOLD)
                if r < head
                else (CELL_RIGHT if c in numeric else CELL),
            )
            for c, value in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    made = Table(body, colWidths=list(widths), repeatRows=head)
    made.setStyle(_GRID)
    return made


__all__ = ["CELL", "LEVELS", "WIDTH", "basis_sentence", "level_name", "long_date", "styles", "table"]
