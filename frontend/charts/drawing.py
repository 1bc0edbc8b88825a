"""The drawing kit of the charts: colours, sizes, escaping, Indonesian numbers, text widths and
wrapping, the SVG frame, grids and labels. Shared by every chart module."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from html import escape
from typing import TypeGuard

# Dasar, Menengah, Mahir, Sangat Mahir: each >= 3:1 against white (graphics) and >= 4.5:1 against the
# text colour drawn on it (white, or black on the orange).
LEVEL_COLOURS = ("#c0392b", "#db7425", "#2471a3", "#1e8449")
LEVEL_PATTERNS = ("", "diag", "dots", "cross")  # a second cue for grey-scale print and colour-blind readers
PRIMARY = "#1f4e79"
REFERENCE = "#a04000"  # drawn with a white halo, so it shows on a bar as well as beside one
INK = "#1b2631"
MUTED = "#4d5b69"  # 6.8:1 on white
GRID = "#d5dbe0"
NO_DATA = "Belum ada data"
NO_VALUE = "tidak ada data"
MISSING = "–"
LEVEL_CUTS = (1.5, 2.5, 3.5)  # where a score rounds to the next level

WIDTH = 360  # viewBox units: one unit is about one CSS pixel on a 360 px phone
MAX_REM = 30.0  # a 360-unit chart grows to at most 30rem, so 13-unit text stays under ~17 px
MAX_WIDE_REM = 60  # the widest class in ikd.css (chart-max-35 ... chart-max-60)
MARGIN = 4
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
FS = 13  # base font size in viewBox units
SMALL = 12
HEAT_LOW, HEAT_HIGH = "#eaf2f8", PRIMARY  # sequential scale of the heat map

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- formatting -------------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escaped text, without the characters XML 1.0 forbids (they would break the whole page)."""
    return escape(_XML_INVALID.sub("", str(text)), quote=True)


def _num(value: float, decimal_comma: bool = True, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no "-0,00"
    return text.replace(".", ",") if decimal_comma else text


def _tick(value: float, decimal_comma: bool = True) -> str:
    """Axis ticks without trailing zeros: 1, 1,5, 1,25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if decimal_comma else text


def _int(value: int, decimal_comma: bool = True) -> str:
    """Counts with a thousands separator: 1.234 in Indonesian, 1,234 otherwise."""
    text = f"{value:,}"
    return text.replace(",", ".") if decimal_comma else text


def _pct(value: int) -> str:
    return f"{value}%"


def _n(value: float) -> str:
    """A coordinate: one decimal at most, which keeps the markup short."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _ok(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def _width(text: str, size: float = FS, bold: bool = False) -> float:
    """A rough text width: good enough to decide wrapping and whether a label fits inside a bar."""
    return len(text) * size * (0.64 if bold else 0.6)


def _wrap(text: str, max_width: float, size: float = FS, max_lines: int = 2, bold: bool = False) -> list[str]:
    """Words into at most ``max_lines`` lines; whatever does not fit ends in an ellipsis."""
    per_line = max(4, int(max_width / (size * (0.64 if bold else 0.6))))
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > per_line:  # a single word longer than a line (e.g. joined by hyphens)
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:per_line])
            word = word[per_line:]
        if line and len(line) + 1 + len(word) > per_line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line or not lines:
        lines.append(line)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], last[: per_line - 1].rstrip() + "…"]
    return lines


# --- colour -----------------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(fill: str) -> str:
    """Black or white, whichever contrasts more: pure black keeps >= 4.5:1 on every mid-tone."""
    lum = _luminance(fill)
    return "#ffffff" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000000"


def _mix(low: str, high: str, t: float) -> str:
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


# --- building blocks --------------------------------------------------------------------------------


def _uid(kind: str, *parts: object) -> str:
    """An id derived from the content: stable output, and distinct charts on one page never clash."""
    digest = hashlib.blake2s(repr((kind, parts)).encode("utf-8", "surrogatepass"), digest_size=5)
    return f"ikd-{kind}-{digest.hexdigest()}"


def _check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    lo, hi = float(scale[0]), float(scale[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"scale must be two finite numbers, low < high: {scale!r}")
    return lo, hi


def _check_len(name: str, seq: Sequence[object] | None, expected: int) -> None:
    if seq is not None and len(seq) != expected:
        raise ValueError(f"{name} has {len(seq)} items, expected {expected}")


def _size_class(width: float) -> str:
    """The chart's widest size as a class of ikd.css, not a ``style`` attribute (the Content-Security-Policy
    allows no inline style): 30rem at the standard width, a wider chart in steps of 5rem up to 60rem, so
    its text stays about as large as the standard chart's."""
    max_rem = MAX_REM * width / WIDTH
    if max_rem <= MAX_REM:
        return "chart"
    return f"chart chart-max-{min(MAX_WIDE_REM, 5 * math.ceil(max_rem / 5))}"


def _svg(uid: str, width: float, height: float, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{_size_class(width)}" '
        f'viewBox="0 0 {_n(width)} {_n(math.ceil(height))}" '
        f'width="100%" role="img" aria-labelledby="{uid}-t {uid}-d" '
        f'font-family="{FONT}" font-size="{FS}" fill="{INK}">'
        f'<title id="{uid}-t">{_esc(title)}</title><desc id="{uid}-d">{_esc(desc)}</desc>{body}</svg>'
    )


def _heading(title: str, width: float = WIDTH) -> tuple[str, float]:
    """The visible title (it also prints), wrapped; returns the markup and the y below it."""
    lines = _wrap(title, width - 2 * MARGIN, size=15, max_lines=3, bold=True)
    spans = "".join(
        f'<tspan x="{MARGIN}" dy="{0 if i == 0 else 18}">{_esc(line)}</tspan>' for i, line in enumerate(lines)
    )
    markup = f'<text x="{MARGIN}" y="15" font-size="15" font-weight="700" aria-hidden="true">{spans}</text>'
    return markup, 15 + 18 * (len(lines) - 1) + 12


def _empty(kind: str, title: str) -> str:
    head, y = _heading(title)
    body = f'{head}<text x="{MARGIN}" y="{_n(y + 16)}" fill="{MUTED}">{NO_DATA}</text>'
    return _svg(_uid(kind, title), WIDTH, y + 28, title, NO_DATA, body)


HALO = ' stroke="#fff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'


def _label(
    x: float, y: float, lines: Sequence[str], size: float = FS, extra: str = "", anchor: str = "start"
) -> str:
    """A (wrapped) label whose first baseline is at ``y``, with a white halo so gridlines under it do
    not cut through the letters; ``extra`` markup follows the last line."""
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(size + 3)}">{_esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    size_attr = "" if size == FS else f' font-size="{_n(size)}"'
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text x="{_n(x)}" y="{_n(y)}"{size_attr}{anchor_attr}{HALO}>{spans}{extra}</text>'


def _value_text(x: float, y: float, text: str, anchor: str = "start", bold: bool = True) -> str:
    """A number with a white halo, so a gridline or reference tick under it cannot hide it."""
    weight = ' font-weight="700"' if bold else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{weight}{HALO}>{_esc(text)}</text>'


def _defs(uid: str) -> str:
    """Fill patterns laid over the level colours (print) and the hatch for cells without data."""
    return (
        "<defs>"
        f'<pattern id="{uid}-diag" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<path d="M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5" stroke="#fff" stroke-width="1.2" opacity=".55"/></pattern>'
        f'<pattern id="{uid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<circle cx="2.5" cy="2.5" r="1.1" fill="#fff" opacity=".55"/></pattern>'
        f'<pattern id="{uid}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<path d="M0,3 H6 M3,0 V6" stroke="#fff" stroke-width="1" opacity=".55"/></pattern>'
        f'<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#f2f4f4"/>'
        '<path d="M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5" stroke="#aab7b8" stroke-width="1"/></pattern>'
        "</defs>"
    )


def _level_fill(uid: str, k: int, x: float, y: float, w: float, h: float, cls: str = "") -> str:
    colour = LEVEL_COLOURS[k % len(LEVEL_COLOURS)]
    pattern = LEVEL_PATTERNS[k % len(LEVEL_PATTERNS)]
    cls_attr = f' class="{cls}"' if cls else ""
    out = (
        f'<rect{cls_attr} x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{colour}" '
        f'stroke="#fff" stroke-width="1"/>'
    )
    if pattern:
        out += (
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="url(#{uid}-{pattern})"/>'
        )
    return out


class _Scale:
    """Maps a score to a coordinate, clamped to the scale so stray values stay inside the chart."""

    def __init__(self, lo: float, hi: float, p0: float, p1: float) -> None:
        self.lo, self.hi, self.p0, self.p1 = lo, hi, p0, p1

    def __call__(self, value: float) -> float:
        t = (min(max(value, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return self.p0 + t * (self.p1 - self.p0)


def _grid(
    x: _Scale,
    lo: float,
    hi: float,
    top: float,
    bottom: float,
    decimal_comma: bool,
    *,
    labels_top: bool = False,
) -> str:
    """Vertical gridlines at whole scores, level boundaries dashed and lighter, tick labels below."""
    out = [
        f'<line x1="{_n(x(cut))}" y1="{_n(top)}" x2="{_n(x(cut))}" y2="{_n(bottom)}" stroke="{GRID}" '
        'stroke-dasharray="2 3"/>'
        for cut in LEVEL_CUTS
        if lo < cut < hi
    ]
    for k in range(math.ceil(lo), math.floor(hi) + 1):
        px = _n(x(k))
        out.append(f'<line x1="{px}" y1="{_n(top)}" x2="{px}" y2="{_n(bottom)}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{px}" y="{_n(bottom + 14)}" text-anchor="middle" font-size="{SMALL}" fill="{MUTED}">'
            f"{_tick(k, decimal_comma)}</text>"
        )
        if labels_top:  # long lists: the scale is readable without scrolling back down
            out.append(
                f'<text x="{px}" y="{_n(top - 4)}" text-anchor="middle" font-size="{SMALL}" fill="{MUTED}">'
                f"{_tick(k, decimal_comma)}</text>"
            )
    return "".join(out)


def _missing(x: float, y: float) -> str:
    """The "–" of a row without data, and the words, which a lone dash does not say."""
    return (
        f'<text class="missing" x="{_n(x)}" y="{_n(y)}" font-weight="700">{MISSING}</text>'
        f'<text x="{_n(x + 12)}" y="{_n(y)}" font-size="{SMALL}" fill="{MUTED}"{HALO}>{NO_VALUE}</text>'
    )


def _reference_legend(x: float, y: float, label: str, *, dashed: bool) -> str:
    dash = ' stroke-dasharray="4 2"' if dashed else ""
    return (
        f'<path d="M{_n(x + 3)},{_n(y - 11)} V{_n(y + 3)}" stroke="{REFERENCE}" stroke-width="3"{dash}/>'
        f'<text x="{_n(x + 12)}" y="{_n(y)}" fill="{MUTED}">{_esc(label)}</text>'
    )


# --- charts -----------------------------------------------------------------------------------------
