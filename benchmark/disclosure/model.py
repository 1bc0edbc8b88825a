"""The disclosure rule's data: what a region's round gives (``Release``), what may be published
(``ProtectedRelease``) and what an audit finds (``Finding``). Pure values, frozen, so that no step can change
another's input; see the package docstring for the rule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

MIN_CELL = 10
"""Smallest group size that may be published (ONS uses 10; see research C section 5)."""

TOL = 1e-6
_V = TypeVar("_V")


def publishable(count: int, min_cell: int) -> bool:
    """A count may be shown: zero (rule 3) or a group of at least ``min_cell``."""
    return count == 0 or count >= min_cell


class Reason(StrEnum):
    """Why a cell or table is hidden. Internal: the public view never shows it (see ``public_view``)."""

    PRIMARY = "primary"
    COMPLEMENTARY = "complementary"
    TABLE = "table"
    REGION = "region"
    EARLIER = "earlier"  # hidden because an earlier version of the same round hid it (protect_against)
    STORED = "stored"  # read back from a stored public view, which keeps no reasons (from_view)


class _FrozenMap(Mapping[str, _V]):
    """A read-only copy of a mapping that, unlike MappingProxyType, can be pickled and deep-copied."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, _V]) -> None:
        self._data = dict(items)

    def __getitem__(self, key: str) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[_FrozenMap[_V]], tuple[dict[str, _V]]]:
        return (_FrozenMap, (self._data,))


def frozen_map(items: Mapping[str, _V]) -> Mapping[str, _V]:
    # Copy and freeze, so that neither caller nor callee can mutate the other's data.
    return _FrozenMap(items)


# ---------------------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True, eq=True)
class Cell:
    """One group's statistics, before protection.

    ``means`` are n-weighted means on the score scale (index, the five area means): the module relies on
    ``sum(n_i * mean_i) == N * mean`` holding over a breakdown. ``stats`` are the other values shown with the
    cell (SD, CI bounds); they are published or hidden with the cell. ``vectors`` are counts of people over
    ordered categories (levels 1-4 overall and per area, histogram bins); each sums to ``n``.
    """

    n: int
    means: Mapping[str, float] = field(default_factory=dict)
    stats: Mapping[str, float] = field(default_factory=dict)
    vectors: Mapping[str, Sequence[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "means", frozen_map(self.means))
        object.__setattr__(self, "stats", frozen_map(self.stats))
        object.__setattr__(self, "vectors", frozen_map({k: tuple(v) for k, v in self.vectors.items()}))


@dataclass(frozen=True)
class Table:
    """A one-dimensional breakdown: its categories partition the region's participants (incl. "unknown")."""

    name: str
    cells: Mapping[str, Cell]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", frozen_map(self.cells))


@dataclass(frozen=True)
class Nesting:
    """Vector ``child`` is an aggregation of vector ``parent`` in every cell.

    Category ``c`` of the child covers parent bins ``starts[c]`` up to ``starts[c + 1]`` (the last one up to
    the end); ``starts[0]`` is 0. Example: overall level 1-4 from a 12-bin index histogram with thresholds
    on bin edges, ``Nesting("level", "histogram", (0, 3, 6, 9))``.
    """

    child: str
    parent: str
    starts: tuple[int, ...]


@dataclass(frozen=True)
class Release:
    """Everything one region publishes for one round: the region total and its breakdowns.

    ``value_range`` bounds every mean; ``audit`` gives the attacker that bound. ``eligible`` is the number
    of employees who could take part; it is published only when ``eligible - N`` (non-participants) is 0 or
    at least min_cell.
    """

    total: Cell
    tables: Sequence[Table]
    eligible: int | None = None
    value_range: tuple[float, float] = (1.0, 4.0)
    nestings: Sequence[Nesting] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "nestings", tuple(self.nestings))


# ---------------------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Group:
    """A published bin: bins ``start`` (inclusive) to ``stop`` (exclusive) of a vector merged into one count.

    ``count`` is None for a count hidden inside a published cell. ``protect`` never does that (it coarsens),
    but ``audit`` accepts it, so that it can also judge other schemes (the tests show why they leak).
    """

    start: int
    stop: int
    count: int | None


@dataclass(frozen=True)
class PublishedCell:
    """A cell after protection. A hidden cell keeps no values at all: ``n`` is None and the maps are empty."""

    n: int | None
    means: Mapping[str, float] = field(default_factory=dict)
    stats: Mapping[str, float] = field(default_factory=dict)
    vectors: Mapping[str, tuple[Group, ...]] = field(default_factory=dict)
    reason: Reason | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "means", frozen_map(self.means))
        object.__setattr__(self, "stats", frozen_map(self.stats))
        object.__setattr__(self, "vectors", frozen_map({k: tuple(v) for k, v in self.vectors.items()}))

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class PublishedTable:
    """A breakdown after protection. ``reason`` is set when the whole breakdown is withheld."""

    name: str
    cells: Mapping[str, PublishedCell]
    reason: Reason | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", frozen_map(self.cells))

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class ProtectedRelease:
    """The output of ``protect``: the same shape as ``Release``, with hidden values removed."""

    total: PublishedCell
    tables: tuple[PublishedTable, ...]
    eligible: int | None
    eligible_suppressed: bool
    min_cell: int
    value_range: tuple[float, float]
    nestings: tuple[Nesting, ...]

    @property
    def region_suppressed(self) -> bool:
        return self.total.suppressed


class FindingKind(StrEnum):
    SMALL_COUNT = "small_count"  # a published or exactly derivable count of people in 1..min_cell-1
    PINNED = "pinned"  # a hidden count has at most one feasible integer value
    SMALL_INTERVAL = "small_interval"  # a hidden count provably lies in 1..min_cell-1
    STRUCTURE = "structure"  # inconsistent numbers, or a hidden cell that still shows values
    # Between versions of one round (audit_versions):
    DIFFERENCE = "difference"  # a group's or a bin's count changed by 1..min_cell-1 people
    CHANGED = "changed"  # a group's values changed while its size did not, and not in a full re-score
    UNHIDDEN = "unhidden"  # shows what an earlier version hid, or pins down what every version hid


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    where: str
    lo: float | None = None
    hi: float | None = None
    detail: str = ""
