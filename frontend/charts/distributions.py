"""How people spread: the histogram of an index and the shares of people at each level."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from frontend.charts.drawing import (
    FS,
    INK,
    LEVEL_COLOURS,
    MARGIN,
    MISSING,
    MUTED,
    PRIMARY,
    SMALL,
    WIDTH,
    _check_len,
    _defs,
    _empty,
    _esc,
    _heading,
    _int,
    _label,
    _level_fill,
    _missing,
    _n,
    _pct,
    _Scale,
    _svg,
    _text_on,
    _tick,
    _uid,
    _width,
    _wrap,
)


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
