"""Server-side SVG charts for the results pages: phone-first, printable in black and white, accessible.

Every function returns SVG markup as a ``str``. Every label is escaped here, so callers may mark the
result safe. Charts scale to their container (``viewBox`` and ``width="100%"``); their maximum width is
given in rem so that text never grows past a comfortable size on a wide page. Numbers use the
Indonesian decimal comma unless ``decimal_comma=False``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Sequence
from html import escape
from itertools import pairwise
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


def area_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    low: Sequence[float | None] | None = None,
    high: Sequence[float | None] | None = None,
    reference: Sequence[float | None] | None = None,
    reference_label: str = "",
    scale: tuple[float, float] = (1.0, 4.0),
    title: str,
    decimal_comma: bool = True,
) -> str:
    """Horizontal bars on the score scale, one per area, the value at the bar's end; optional interval
    whiskers (``low``/``high``) and a reference tick per row. ``None`` shows "–"."""
    if not labels:
        return _empty("bars", title)
    n = len(labels)
    for name, seq in (("values", values), ("low", low), ("high", high), ("reference", reference)):
        _check_len(name, seq, n)
    lo, hi = _check_scale(scale)
    dc = decimal_comma
    x0, x1 = MARGIN + 2, WIDTH - 40  # 40 units on the right for the value printed after a full bar
    x = _Scale(lo, hi, x0, x1)
    head, top = _heading(title)
    bar_h = 18

    rows: list[str] = []
    desc: list[str] = []
    y = top + 4
    for i, label in enumerate(labels):
        v = values[i]
        lines = _wrap(label, WIDTH - 2 * MARGIN)
        rows.append(_label(MARGIN, y + FS, lines))
        by = y + len(lines) * (FS + 3) + 4  # bar top
        cy = by + bar_h / 2
        a = low[i] if low is not None else None
        b = high[i] if high is not None else None
        r = reference[i] if reference is not None else None
        if _ok(v):
            rows.append(
                f'<rect class="bar" x="{_n(x0)}" y="{_n(by)}" width="{_n(x(v) - x0)}" height="{bar_h}" '
                f'fill="{PRIMARY}"/>'
            )
            text = f"{label}: {_num(v, dc)}"
            end = x(v)
        else:
            rows.append(_missing(x0 + 2, cy + 4.5))
            text = f"{label}: {MISSING}"
            end = x0 + 10
        if _ok(a) and _ok(b):
            pa, pb = sorted((x(a), x(b)))
            whisker = f"M{_n(pa)},{_n(cy)} H{_n(pb)} M{_n(pa)},{_n(cy - 5)} V{_n(cy + 5)} M{_n(pb)},{_n(cy - 5)} V{_n(cy + 5)}"
            rows.append(
                f'<path class="whisker" d="{whisker}" stroke="#fff" stroke-width="4" fill="none"/>'
                f'<path d="{whisker}" stroke="{INK}" stroke-width="1.6" fill="none"/>'
            )
            end = max(end, pb)
            text += f" (rentang {_num(min(a, b), dc)}–{_num(max(a, b), dc)})"
        if _ok(r):
            pr = _n(x(r))
            # From just above the bar: higher, it would reach the descenders of the label above it.
            tick = f"M{pr},{_n(by - 1.5)} V{_n(by + bar_h + 4)}"
            rows.append(
                f'<path d="{tick}" stroke="#fff" stroke-width="6"/>'
                f'<path class="reference" d="{tick}" stroke="{REFERENCE}" stroke-width="3"/>'
            )
            text += f"; {reference_label or 'pembanding'} {_num(r, dc)}"
        if _ok(v):
            value = _num(v, dc)
            if _ok(r) and end - 3 <= x(r) <= end + 8 + _width(value, FS, bold=True):
                end = max(end, x(r) + 2)  # the number goes past the reference tick, not over it
            rows.append(_value_text(min(end + 5, WIDTH - 1 - _width(value, FS, bold=True)), cy + 4.5, value))
        desc.append(text)
        y = by + bar_h + 12

    grid = _grid(x, lo, hi, top + 2, y - 6, dc)
    y += 12
    legend = ""
    if reference is not None and reference_label:
        legend = _reference_legend(MARGIN, y + 14, reference_label, dashed=False)
        y += 22
    uid = _uid("bars", title, labels, values, low, high, reference, reference_label, scale, dc)
    return _svg(uid, WIDTH, y + 4, title, "; ".join(desc), head + grid + "".join(rows) + legend)


def histogram(
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    title: str,
    x_label: str = "",
    decimal_comma: bool = True,
) -> str:
    """Vertical bars between consecutive ``edges`` (one more edge than counts), each count on top."""
    if not counts or sum(counts) <= 0:
        return _empty("hist", title)
    if len(edges) != len(counts) + 1:
        raise ValueError(
            f"histogram needs {len(counts) + 1} edges for {len(counts)} counts, got {len(edges)}"
        )
    if any(b <= a for a, b in pairwise(edges)) or any(c < 0 for c in counts):
        raise ValueError("histogram edges must increase and counts must not be negative")
    dc = decimal_comma
    head, top = _heading(title)
    x0, x1 = MARGIN + 10, WIDTH - MARGIN - 10  # half a tick label of room at both ends
    x = _Scale(edges[0], edges[-1], x0, x1)
    plot_top, bottom = top + 18, top + 18 + 150
    peak = max(counts)

    out = [head]
    desc = []
    for i, c in enumerate(counts):
        left, right = x(edges[i]), x(edges[i + 1])
        h = (bottom - plot_top) * c / peak
        out.append(
            f'<rect class="bar" x="{_n(left + 1)}" y="{_n(bottom - h)}" width="{_n(max(right - left - 2, 0.5))}" '
            f'height="{_n(h)}" fill="{PRIMARY}"/>'
        )
        label = _int(c, dc)
        # shrink a wide count to its bar, but never below 9 units
        size = max(9.0, min(SMALL, (right - left) / (len(label) * 0.58)))
        out.append(
            f'<text x="{_n((left + right) / 2)}" y="{_n(bottom - h - 4)}" text-anchor="middle" '
            f'font-size="{_n(size)}">{label}</text>'
        )
        desc.append(f"{_tick(edges[i], dc)}–{_tick(edges[i + 1], dc)}: {label}")
    out.append(f'<line x1="{_n(x0)}" y1="{_n(bottom)}" x2="{_n(x1)}" y2="{_n(bottom)}" stroke="{INK}"/>')

    # label every k-th edge, k the smallest step at which the labels do not overlap
    ticks = [_tick(e, dc) for e in edges]
    step = 1
    while step < len(edges):
        shown = range(0, len(edges), step)
        gaps = [x(edges[j]) - x(edges[i]) for i, j in zip(shown, list(shown)[1:], strict=False)]
        widest = max(_width(t, SMALL) for t in ticks)
        if all(g >= widest + 4 for g in gaps):
            break
        step += 1
    for i, e in enumerate(edges):
        px = _n(x(e))
        out.append(f'<line x1="{px}" y1="{_n(bottom)}" x2="{px}" y2="{_n(bottom + 4)}" stroke="{INK}"/>')
        if i % step == 0:
            out.append(
                f'<text x="{px}" y="{_n(bottom + 17)}" text-anchor="middle" font-size="{SMALL}" fill="{MUTED}">'
                f"{ticks[i]}</text>"
            )
    y = bottom + 24
    if x_label:
        out.append(
            f'<text x="{_n((x0 + x1) / 2)}" y="{_n(y + 12)}" text-anchor="middle" fill="{MUTED}">{_esc(x_label)}</text>'
        )
        y += 18
    desc_text = (f"{x_label}. " if x_label else "") + "; ".join(desc)
    uid = _uid("hist", title, edges, counts, x_label, dc)
    return _svg(uid, WIDTH, y + 4, title, desc_text, "".join(out))


def _percentages(shares: Sequence[float]) -> list[int]:
    """Whole percentages that add up to exactly 100 (largest remainder), as readers expect."""
    clean = [s if math.isfinite(s) and s > 0 else 0.0 for s in shares]
    total = sum(clean)
    raw = [s / total * 100 for s in clean]
    out = [math.floor(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: raw[k] - out[k], reverse=True)[: 100 - sum(out)]:
        out[k] += 1
    return out


def level_shares(
    labels: Sequence[str],
    shares: Sequence[Sequence[float]],
    *,
    level_names: Sequence[str],
    title: str,
    decimal_comma: bool = True,
) -> str:
    """One 100% bar per row split into the levels (fractions), percentages inside wide segments, and a
    legend whose patterns repeat the colours for grey-scale print."""
    if not labels:
        return _empty("levels", title)
    _check_len("shares", shares, len(labels))
    for row in shares:
        _check_len("a row of shares", row, len(level_names))
    head, top = _heading(title)
    uid = _uid("levels", title, labels, shares, level_names)
    x0, x1 = MARGIN, WIDTH - MARGIN
    bar_h = 22
    out = [head, _defs(uid)]
    desc = []
    y = top + 4
    for label, row in zip(labels, shares, strict=True):
        lines = _wrap(label, WIDTH - 2 * MARGIN)
        out.append(_label(MARGIN, y + FS, lines))
        by = y + len(lines) * (FS + 3) + 4
        total = sum(s for s in row if math.isfinite(s) and s > 0)
        if total <= 0:
            out.append(_missing(x0 + 2, by + 15.5))
            desc.append(f"{label}: {MISSING}")
        else:
            pcts = _percentages(row)
            bx = float(x0)
            for k, s in enumerate(row):
                w = (x1 - x0) * (s / total if math.isfinite(s) and s > 0 else 0.0)
                if w <= 0:
                    continue
                out.append(_level_fill(uid, k, bx, by, w, bar_h, cls="segment"))
                text = _pct(pcts[k])
                if w >= _width(text, SMALL, bold=True) + 6:
                    colour = LEVEL_COLOURS[k % len(LEVEL_COLOURS)]
                    # a halo in the segment's own colour keeps the pattern off the glyphs
                    out.append(
                        f'<text x="{_n(bx + w / 2)}" y="{_n(by + 15.5)}" text-anchor="middle" font-size="{SMALL}" '
                        f'font-weight="700" fill="{_text_on(colour)}" stroke="{colour}" stroke-width="3" '
                        f'paint-order="stroke">{text}</text>'
                    )
                bx += w
            desc.append(
                f"{label}: " + ", ".join(f"{n} {_pct(p)}" for n, p in zip(level_names, pcts, strict=True))
            )
        y = by + bar_h + 12

    # legend, wrapped to the width
    lx, ly = float(MARGIN), y + 10
    for k, name in enumerate(level_names):
        item = 18 + _width(name) + 14
        if lx > MARGIN and lx + item > WIDTH - MARGIN:
            lx, ly = float(MARGIN), ly + 22
        out.append(_level_fill(uid, k, lx, ly, 14, 14))
        out.append(f'<text x="{_n(lx + 18)}" y="{_n(ly + 11.5)}">{_esc(name)}</text>')
        lx += item
    return _svg(uid, WIDTH, ly + 22, title, "; ".join(desc), "".join(out))


def heat_map(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    scale: tuple[float, float] = (1.0, 4.0),
    flagged_rows: Collection[int] = (),
    decimal_comma: bool = True,
) -> str:
    """Rows (units) by columns (areas): each cell shaded by its value on a light-to-dark scale and
    labelled with it; cells without data hatched with "–"; flagged rows (small groups) marked "*"."""
    if not row_labels or not col_labels:
        return _empty("heat", title)
    _check_len("values", values, len(row_labels))
    for row in values:
        _check_len("a row of values", row, len(col_labels))
    lo, hi = _check_scale(scale)
    dc = decimal_comma
    flagged = set(flagged_rows)
    label_w = 150.0
    cell_w = max(40.0, (WIDTH - MARGIN - label_w) / len(col_labels))
    width = max(float(WIDTH), label_w + cell_w * len(col_labels) + MARGIN)
    row_h = 30.0
    uid = _uid("heat", title, row_labels, col_labels, values, scale, sorted(flagged), dc)
    head, top = _heading(title, width)
    out = [head, _defs(uid)]

    col_lines = [_wrap(c, cell_w - 4, size=SMALL, bold=True) for c in col_labels]
    header_h = max(len(lines) for lines in col_lines) * (SMALL + 3) + 6
    for j, lines in enumerate(col_lines):
        cx = label_w + j * cell_w + cell_w / 2
        spans = "".join(
            f'<tspan x="{_n(cx)}" dy="{0 if i == 0 else SMALL + 3}">{_esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        out.append(
            f'<text x="{_n(cx)}" y="{_n(top + SMALL + 2)}" text-anchor="middle" font-size="{SMALL}" '
            f'font-weight="700">{spans}</text>'
        )

    desc = [f"{len(row_labels)} × {len(col_labels)}: " + ", ".join(col_labels)]
    y = top + header_h
    for i, (label, row) in enumerate(zip(row_labels, values, strict=True)):
        marker = " *" if i in flagged else ""
        lines = _wrap(label, label_w - 8 - _width(marker, SMALL), size=SMALL)
        first = y + row_h / 2 + 4 - (SMALL + 3) / 2 * (len(lines) - 1)
        extra = f'<tspan font-weight="700">{marker}</tspan>' if marker else ""
        text = _label(MARGIN, first, lines, size=SMALL, extra=extra)
        shortened = " ".join(lines).replace("…", "") != " ".join(label.split())
        # the full name as a tooltip when the visible one was shortened
        out.append(f"<g><title>{_esc(label)}</title>{text}</g>" if shortened else text)
        cells = []
        for j, v in enumerate(row):
            cx = label_w + j * cell_w
            rect = f'x="{_n(cx + 1)}" y="{_n(y + 1)}" width="{_n(cell_w - 2)}" height="{_n(row_h - 2)}"'
            if _ok(v):
                fill = _mix(HEAT_LOW, HEAT_HIGH, (min(max(v, lo), hi) - lo) / (hi - lo))
                out.append(f'<rect class="cell" {rect} fill="{fill}"/>')
                value, colour = _num(v, dc), _text_on(fill)
            else:
                # class stays exactly "cell" (callers and tests count cells by it); the hatch marks it
                out.append(f'<rect class="cell" {rect} fill="url(#{uid}-hatch)" stroke="{GRID}"/>')
                value, colour = MISSING, INK
            out.append(
                f'<text x="{_n(cx + cell_w / 2)}" y="{_n(y + row_h / 2 + 4.5)}" text-anchor="middle" '
                f'font-size="{SMALL}" fill="{colour}">{value}</text>'
            )
            cells.append(value)
        desc.append(f"{label}{marker}: " + ", ".join(cells))
        y += row_h

    # legend: the colour of each whole score, the hatch, and the marker when used
    y += 12
    lx = float(MARGIN)
    for k in range(math.ceil(lo), math.floor(hi) + 1):
        fill = _mix(HEAT_LOW, HEAT_HIGH, (k - lo) / (hi - lo))
        out.append(
            f'<rect x="{_n(lx)}" y="{_n(y)}" width="28" height="18" fill="{fill}" stroke="{GRID}"/>'
            f'<text x="{_n(lx + 14)}" y="{_n(y + 13)}" text-anchor="middle" font-size="{SMALL}" '
            f'fill="{_text_on(fill)}">{_tick(k, dc)}</text>'
        )
        lx += 30
    lx += 10
    out.append(
        f'<rect x="{_n(lx)}" y="{_n(y)}" width="28" height="18" fill="url(#{uid}-hatch)" stroke="{GRID}"/>'
        f'<text x="{_n(lx + 14)}" y="{_n(y + 13)}" text-anchor="middle" font-size="{SMALL}">{MISSING}</text>'
        f'<text x="{_n(lx + 34)}" y="{_n(y + 13)}" font-size="{SMALL}" fill="{MUTED}">{NO_VALUE}</text>'
    )
    if flagged:
        y += 24
        out.append(
            f'<text x="{MARGIN}" y="{_n(y + 13)}" font-size="{SMALL}" fill="{MUTED}">* kelompok kecil</text>'
        )
    return _svg(uid, width, y + 24, title, "; ".join(desc), "".join(out))


def ranked_intervals(
    labels: Sequence[str],
    means: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    *,
    title: str,
    reference: float | None = None,
    reference_label: str = "",
    scale: tuple[float, float] = (1.0, 4.0),
    decimal_comma: bool = True,
) -> str:
    """A dot and its interval per row, in the caller's order; the label and value above each row so the
    scale keeps the full width on a phone; an optional dashed reference line."""
    if not labels:
        return _empty("ranked", title)
    n = len(labels)
    for name, seq in (("means", means), ("lows", lows), ("highs", highs)):
        _check_len(name, seq, n)
    lo, hi = _check_scale(scale)
    dc = decimal_comma
    head, top = _heading(title)
    long_list = n > 12
    x0, x1 = MARGIN + 6, WIDTH - MARGIN - 6
    x = _Scale(lo, hi, x0, x1)
    row_h = 34
    first = top + (18 if long_list else 4)
    bottom = first + n * row_h

    rows: list[str] = []
    desc = []
    for i, (label, m, a, b) in enumerate(zip(labels, means, lows, highs, strict=True)):
        y = first + i * row_h
        value = _num(m, dc) if _ok(m) else MISSING
        room = WIDTH - 2 * MARGIN - _width(value, FS, bold=True) - 8
        rows.append(_label(MARGIN, y + FS, _wrap(label, room, max_lines=1)))
        rows.append(
            f'<text x="{WIDTH - MARGIN}" y="{_n(y + FS)}" text-anchor="end" font-weight="700">{value}</text>'
        )
        cy = y + 24
        if not _ok(m):  # a missing mean: the row keeps its place, with "–" as its value
            desc.append(f"{label}: {MISSING}")
            continue
        if _ok(a) and _ok(b):
            pa, pb = sorted((x(a), x(b)))
            rows.append(
                f'<path d="M{_n(pa)},{_n(cy)} H{_n(pb)} M{_n(pa)},{_n(cy - 4)} V{_n(cy + 4)} '
                f'M{_n(pb)},{_n(cy - 4)} V{_n(cy + 4)}" stroke="{INK}" stroke-width="1.6" fill="none"/>'
            )
            desc.append(f"{label}: {value} ({_num(min(a, b), dc)}–{_num(max(a, b), dc)})")
        else:
            desc.append(f"{label}: {value}")
        rows.append(
            f'<circle class="dot" cx="{_n(x(m))}" cy="{_n(cy)}" r="4.5" fill="{PRIMARY}" stroke="#fff"/>'
        )

    out = [head, _grid(x, lo, hi, first, bottom, dc, labels_top=long_list)]
    y = bottom + 20
    ref_desc = ""
    if _ok(reference):
        pr = _n(x(reference))
        # Drawn in each row's band of dots only, never through the row labels and values above them.
        bands = " ".join(
            f"M{pr},{_n(first + i * row_h + 17)} V{_n(first + i * row_h + 31)}" for i in range(n)
        )
        out.append(
            f'<path class="reference" d="{bands}" stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="4 2"/>'
        )
        text = f"{reference_label or 'pembanding'} {_num(reference, dc)}"
        out.append(_reference_legend(MARGIN, y + 14, text, dashed=True))
        ref_desc = f"; {text}"
        y += 22
    out.extend(rows)
    uid = _uid("ranked", title, labels, means, lows, highs, reference, reference_label, scale, dc)
    return _svg(uid, WIDTH, y + 4, title, "; ".join(desc) + ref_desc, "".join(out))


def trend(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    scale: tuple[float, float] = (1.0, 4.0),
    decimal_comma: bool = True,
    apart: Sequence[bool] | None = None,
    apart_label: str = "",
) -> str:
    """A line with a labelled point per period; the line breaks where a period has no value ("–").
    Periods flagged in ``apart`` (not comparable, e.g. limited coverage) are drawn as hollow points that
    no line touches, and ``apart_label`` is added to their label."""
    if not labels:
        return _empty("trend", title)
    _check_len("values", values, len(labels))
    flags = list(apart) if apart is not None else [False] * len(labels)
    _check_len("apart", flags, len(labels))
    lo, hi = _check_scale(scale)
    dc = decimal_comma
    head, top = _heading(title)
    x0, x1 = MARGIN + 32, WIDTH - MARGIN - 18
    plot_top, bottom = top + 22, top + 22 + 150
    step = (x1 - x0) / (len(labels) - 1) if len(labels) > 1 else 0.0
    xs = [x0 + i * step if len(labels) > 1 else (x0 + x1) / 2 for i in range(len(labels))]

    def y(v: float) -> float:
        return bottom - (min(max(v, lo), hi) - lo) / (hi - lo) * (bottom - plot_top)

    out = [head]
    out.extend(
        f'<line x1="{_n(x0)}" y1="{_n(y(cut))}" x2="{_n(x1)}" y2="{_n(y(cut))}" stroke="{GRID}" '
        'stroke-dasharray="2 3"/>'
        for cut in LEVEL_CUTS
        if lo < cut < hi
    )
    for k in range(math.ceil(lo), math.floor(hi) + 1):
        out.append(f'<line x1="{_n(x0)}" y1="{_n(y(k))}" x2="{_n(x1)}" y2="{_n(y(k))}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{_n(x0 - 10)}" y="{_n(y(k) + 4)}" text-anchor="end" font-size="{SMALL}" fill="{MUTED}">'
            f"{_tick(k, dc)}</text>"
        )
    path, pen = [], "M"
    for px, v, alone in zip(xs, values, flags, strict=True):
        if _ok(v) and not alone:
            path.append(f"{pen}{_n(px)},{_n(y(v))}")
            pen = "L"
        else:
            pen = "M"  # a gap, not a line drawn through the missing (or not comparable) period
    if path:
        out.append(f'<path d="{" ".join(path)}" stroke="{PRIMARY}" stroke-width="2.5" fill="none"/>')

    room = (step if len(labels) > 1 else x1 - x0) - 4
    desc = []
    for px, v, label, alone in zip(xs, values, labels, flags, strict=True):
        shown = f"{label} ({apart_label})" if alone and apart_label else label
        out.append(
            _label(px, bottom + 18, _wrap(shown, max(room, 40), size=SMALL), size=SMALL, anchor="middle")
        )
        if _ok(v):
            if alone:
                out.append(
                    f'<circle class="dot dot-apart" cx="{_n(px)}" cy="{_n(y(v))}" r="4.5" fill="#fff" '
                    f'stroke="{PRIMARY}" stroke-width="2" stroke-dasharray="2 1.5"/>'
                )
            else:
                out.append(
                    f'<circle class="dot" cx="{_n(px)}" cy="{_n(y(v))}" r="4.5" fill="{PRIMARY}" stroke="#fff"/>'
                )
            out.append(_value_text(px, y(v) - 10, _num(v, dc), anchor="middle", bold=not alone))
            desc.append(f"{shown}: {_num(v, dc)}")
        else:
            out.append(
                f'<text class="missing" x="{_n(px)}" y="{_n(bottom - 8)}" text-anchor="middle">{MISSING}</text>'
            )
            desc.append(f"{label}: {MISSING}")
    uid = _uid("trend", title, labels, values, scale, dc, flags, apart_label)
    return _svg(uid, WIDTH, bottom + 18 + 2 * (SMALL + 3) + 4, title, "; ".join(desc), "".join(out))
