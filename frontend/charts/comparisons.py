"""Regions compared: ranked intervals against a reference, and the trend over the years."""

from __future__ import annotations

import math
from collections.abc import Sequence

from frontend.charts.drawing import (
    FS,
    GRID,
    INK,
    LEVEL_CUTS,
    MARGIN,
    MISSING,
    MUTED,
    PRIMARY,
    REFERENCE,
    SMALL,
    WIDTH,
    _check_len,
    _check_scale,
    _empty,
    _grid,
    _heading,
    _label,
    _n,
    _num,
    _ok,
    _reference_legend,
    _Scale,
    _svg,
    _tick,
    _uid,
    _value_text,
    _width,
    _wrap,
)


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
