"""The profile of areas: one bar per competence area, with a reference mark (the national or the
region's mean)."""

from __future__ import annotations

from collections.abc import Sequence

from frontend.charts.drawing import (
    FS,
    INK,
    MARGIN,
    MISSING,
    PRIMARY,
    REFERENCE,
    WIDTH,
    _check_len,
    _check_scale,
    _empty,
    _grid,
    _heading,
    _label,
    _missing,
    _n,
    _num,
    _ok,
    _reference_legend,
    _Scale,
    _svg,
    _uid,
    _value_text,
    _width,
    _wrap,
)


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
