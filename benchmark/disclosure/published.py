"""What a reader sees: the public view stored for a release, a release read back from it, and the rounding
of its means."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from benchmark.disclosure.model import (
    MIN_CELL,
    Group,
    Nesting,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
    Reason,
)


def rounded(result: ProtectedRelease, digits: int) -> ProtectedRelease:
    """The release with its means and stats rounded as published: what a reader compares versions on."""

    def cell(c: PublishedCell) -> PublishedCell:
        if c.suppressed:
            return c
        return replace(
            c,
            means={k: round(v, digits) for k, v in c.means.items()},
            stats={k: round(v, digits) for k, v in c.stats.items()},
        )

    tables = tuple(replace(t, cells={k: cell(c) for k, c in t.cells.items()}) for t in result.tables)
    return replace(result, total=cell(result.total), tables=tables)


def from_view(
    view: Mapping[str, Any],
    *,
    value_range: tuple[float, float] = (1.0, 4.0),
    nestings: Sequence[Nesting] = (),
) -> ProtectedRelease:
    """A stored public view (``public_view``) read back, for ``audit_versions`` and ``protect_against``.

    A view keeps no reasons: hidden cells and withheld breakdowns come back with ``Reason.STORED``, a
    withheld breakdown without its categories. An absent eligible count reads as hidden: a view cannot
    tell "hidden" from "not given", and hidden is the safe reading.
    """
    min_cell = int(view.get("min_cell", MIN_CELL))
    if view.get("suppressed"):
        total = PublishedCell(n=None, reason=Reason.REGION)
        return ProtectedRelease(total, (), None, True, min_cell, value_range, tuple(nestings))

    def cell(data: Mapping[str, Any]) -> PublishedCell:
        if data.get("suppressed"):
            return PublishedCell(n=None, reason=Reason.STORED)
        vectors = {
            name: tuple(
                Group(int(g["start"]), int(g["stop"]), None if g["count"] is None else int(g["count"]))
                for g in groups
            )
            for name, groups in (data.get("vectors") or {}).items()
        }
        means = {k: float(v) for k, v in (data.get("means") or {}).items()}
        stats = {k: float(v) for k, v in (data.get("stats") or {}).items()}
        return PublishedCell(int(data["n"]), means, stats, vectors)

    tables = []
    for name, table in (view.get("tables") or {}).items():
        if table.get("suppressed"):
            tables.append(PublishedTable(name, {}, Reason.STORED))
        else:
            tables.append(PublishedTable(name, {k: cell(c) for k, c in table["cells"].items()}))
    eligible = view.get("eligible")
    return ProtectedRelease(
        cell(view["total"]),
        tuple(tables),
        None if eligible is None else int(eligible),
        eligible is None,
        min_cell,
        value_range,
        tuple(nestings),
    )


def public_view(result: ProtectedRelease) -> dict[str, object]:
    """The JSON-ready form for the public schema. No reasons: complementary cells look like primary ones."""
    if result.region_suppressed:
        return {"suppressed": True}

    def cell_view(cell: PublishedCell) -> dict[str, object]:
        if cell.suppressed:
            return {"suppressed": True}
        vectors = {
            k: [{"start": g.start, "stop": g.stop, "count": g.count} for g in v]
            for k, v in cell.vectors.items()
        }
        return {"n": cell.n, "means": dict(cell.means), "stats": dict(cell.stats), "vectors": vectors}

    tables: dict[str, object] = {}
    for table in result.tables:
        if table.suppressed:
            tables[table.name] = {"suppressed": True}
        else:
            tables[table.name] = {"cells": {k: cell_view(c) for k, c in table.cells.items()}}
    return {
        "suppressed": False,
        "min_cell": result.min_cell,
        "eligible": result.eligible,
        "total": cell_view(result.total),
        "tables": tables,
    }
