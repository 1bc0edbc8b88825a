"""A4 documents the app prints (code sheets, reports, results): one page layout, and the one way text
gets into them.

ReportLab's ``Paragraph`` reads its text as markup, and acts on it while the paragraph is *made*: an
``<img src>`` opens a local file or fetches a URL and embeds the image, ``<a href>`` plants a link,
an unknown tag (``<script>``) raises.  Names that users type (units, rounds, employees, courses) must
therefore never reach ``Paragraph`` as markup.  So, for every document:

* ``paragraph(text, style)`` is the only way to make a paragraph.  Plain ``str`` is text: ``&``, ``<``
  and ``>`` are escaped, so a unit called ``<img src=...>`` is printed as it is written.
* Markup comes only as ``Markup``, built by ``markup(template, **values)`` from a template written in
  code, each value escaped (as Django's ``format_html``).  Concatenating ``Markup`` with a ``str``
  gives a plain ``str`` again, so a mistake prints tags rather than running them.
* The markup of a paragraph may use only a few typographic tags (bold, italic, line break, ...): even
  a template gone wrong cannot load an image or plant a link (``ValueError``, a bug to fix).
* ReportLab trusts no URL scheme (``rl_config.trustedSchemes``): nothing a document names is fetched
  from the network.  It reads the setting when it first opens a resource, which comes after this
  module is imported by every document builder.
* Table cells given as ``str`` are drawn as they are (never parsed) and may hold data unescaped.

Only this module makes ``Paragraph`` objects (``tests/frontend/test_pdf_injection.py`` checks the
source tree), so a fix to how text enters a PDF lands here once.

Numbers are printed the Indonesian way, as the pages show them: ``decimal(1.475)`` is ``1,48``,
``integer(10303)`` is ``10.303``, ``rupiah(7500000)`` is ``Rp 7.500.000``.  Documents are in Indonesian
whatever the reader's page language: they are printed and filed.

``cell(value)`` makes a table cell that wraps inside its column (a ``str`` cell is drawn on one line
and runs into the next column when it is long); ``tests/frontend/test_pdf_layout.py`` renders every
document the product makes and checks that no two words overlap.
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

from reportlab import rl_config
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

from frontend.numbers import half_up

__all__ = [
    "CELL",
    "CELL_BOLD",
    "CELL_RIGHT",
    "FOOTER",
    "Markup",
    "build",
    "cell",
    "decimal",
    "image",
    "integer",
    "markup",
    "paragraph",
    "percent",
    "rupiah",
    "text",
]

FOOTER = "Indeks Kompetensi Digital ASN (IKD)"

# With trustedHosts None ReportLab fetches any URL; with a host list and no trusted scheme it refuses
# every URL (http, https, ftp, file and data alike) before opening it.
rl_config.trustedHosts = ["localhost.invalid"]
rl_config.trustedSchemes = []

# Typographic tags the templates may use; none of them loads anything or links anywhere.
_ALLOWED_TAGS = frozenset({"b", "i", "u", "em", "strong", "br", "sup", "super", "sub", "strike"})
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w:-]*)([^>]*)>")
# C0 controls other than tab and newline mean nothing in print and upset some PDF viewers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Markup(str):
    """ReportLab paragraph markup written in this code base; make it with ``markup()``."""

    __slots__ = ()


def text(value: object) -> str:
    """``value`` as paragraph text: control characters dropped, ``& < >`` escaped."""
    return escape(_CONTROL.sub("", str(value)), quote=False)


def markup(template: str, /, **values: object) -> Markup:
    """``template`` (trusted: written in code, never built from data) with each ``{name}`` replaced
    by the matching value, escaped: ``markup("<b>{round}</b> — kode akses", round=round_.name)``."""
    result = template.format_map({name: text(value) for name, value in values.items()})
    _check(result)
    return Markup(result)


def _check(content: str) -> None:
    for tag, attributes in _TAG.findall(content):
        if tag.lower() not in _ALLOWED_TAGS or attributes.strip(" /"):
            raise ValueError(f"PDF markup may not use <{tag}{attributes}>")


def paragraph(content: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of ``content``: ``Markup`` as it is (checked again), any other ``str`` as text."""
    if isinstance(content, Markup):
        _check(content)
        return Paragraph(str(content), style)
    return Paragraph(text(content), style)


# Table cells: 8 pt on a 10 pt leading, so wrapped lines never touch.
CELL = ParagraphStyle("ikd-cell", fontName="Helvetica", fontSize=8, leading=10)
CELL_BOLD = ParagraphStyle("ikd-cell-bold", parent=CELL, fontName="Helvetica-Bold")
CELL_RIGHT = ParagraphStyle("ikd-cell-right", parent=CELL, alignment=TA_RIGHT)
MISSING = "–"
_SWAP_SEPARATORS = str.maketrans(",.", ".,")


def cell(value: object, style: ParagraphStyle = CELL) -> Paragraph:
    """A table cell that wraps within its column's width; ``value`` is text (``Markup`` as markup)."""
    return paragraph(value if isinstance(value, str) else str(value), style)


def decimal(value: float | None, digits: int = 2) -> str:
    """``1,48``: a decimal comma and thousands points; ``–`` for no value; never ``-0,00``."""
    if value is None or value != value:  # None or NaN
        return MISSING
    formatted = f"{half_up(value, digits):,.{digits}f}"  # as the pages round it (frontend.numbers)
    if formatted.lstrip("-").strip("0.,") == "":
        formatted = formatted.lstrip("-")
    return formatted.translate(_SWAP_SEPARATORS)


def integer(value: int | None) -> str:
    """``10.303``: a count with Indonesian thousands points."""
    return MISSING if value is None else f"{value:,}".replace(",", ".")


def rupiah(value: int | None) -> str:
    """``Rp 7.500.000``."""
    return MISSING if value is None else f"Rp {integer(value)}"


def percent(share: float | None, digits: int = 0) -> str:
    """``82%`` from ``0.824``; ``82,4%`` with one digit."""
    return MISSING if share is None else f"{decimal(share * 100, digits)}%"


def image(data: bytes, max_width: float, max_height: float) -> Image:
    """An image from bytes the app holds (a region's checked logo), scaled to fit the box; never a
    path or URL, which stay refused (``rl_config`` above)."""
    reader = ImageReader(io.BytesIO(data))
    width, height = reader.getSize()
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


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
