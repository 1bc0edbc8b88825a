"""Units by areas: the heat map of a region's work units."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from frontend.charts.drawing import (
    GRID,
    HEAT_HIGH,
    HEAT_LOW,
    INK,
    MARGIN,
    MISSING,
    MUTED,
    NO_VALUE,
    SMALL,
    WIDTH,
    _check_len,
    _check_scale,
    _defs,
    _empty,
    _esc,
    _heading,
    _label,
    _mix,
    _n,
    _num,
    _ok,
    _svg,
    _text_on,
    _tick,
    _uid,
    _width,
    _wrap,
)


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
