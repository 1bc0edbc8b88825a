"""Reading PDFs the way a reader sees them, for the layout tests: glyph positions (pdfplumber), the
text of each page, and pages rendered to PNG (pypdfium2, installed with pdfplumber) to look at."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pdfplumber

TOLERANCE = 0.5  # points: boxes that only touch (adjacent letters, lines on their leading) do not count


def overlaps(data: bytes) -> list[str]:
    """Every pair of overlapping glyphs and every glyph outside its page, as readable lines."""
    found: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as document:
        for number, page in enumerate(document.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip()]
            found.extend(
                f"page {number}: {c['text']!r} outside the page at {c['x0']:.0f},{c['top']:.0f}"
                for c in chars
                if c["x0"] < -TOLERANCE or c["x1"] > page.width + TOLERANCE or c["top"] < -TOLERANCE
            )
            # Bucket by line band, then sweep by x: a page of ~10,000 glyphs stays quick.
            bands: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for c in chars:
                for band in range(int(c["top"] // 12), int(c["bottom"] // 12) + 1):
                    bands[band].append(c)
            seen: set[tuple[int, int]] = set()
            for band in bands.values():
                band.sort(key=lambda c: c["x0"])
                for i, a in enumerate(band):
                    for b in band[i + 1 :]:
                        if b["x0"] >= a["x1"] - TOLERANCE:
                            break
                        width = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                        height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                        key = (id(a), id(b))
                        if width > TOLERANCE and height > TOLERANCE and key not in seen:
                            seen.add(key)
                            found.append(
                                f"page {number}: {a['text']!r} and {b['text']!r} overlap at "
                                f"{a['x0']:.0f},{a['top']:.0f} ({_near(chars, a)} / {_near(chars, b)})"
                            )
    return found


def _near(chars: list[dict[str, Any]], c: dict[str, Any]) -> str:
    """The text of the line a glyph is on, around it, for the failure message."""
    line = sorted((o for o in chars if abs(o["top"] - c["top"]) < 1), key=lambda o: o["x0"])
    at = next(i for i, o in enumerate(line) if o is c)
    return "".join(o["text"] for o in line[max(0, at - 12) : at + 12])


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def render(data: bytes, folder: Path, name: str, pages: int = 3, scale: float = 1.3) -> list[Path]:
    """The first ``pages`` pages as PNG files ``name-1.png`` ... in ``folder``."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(data)
    made = []
    for number in range(min(pages, len(document))):
        target = folder / f"{name}-{number + 1}.png"
        document[number].render(scale=scale).to_pil().save(target)
        made.append(target)
    document.close()
    return made
