"""From answers to item scores, per-area theta and SE, area scores and levels, and the overall index.

Each area is its own unidimensional scale (its own theta, scored with its own items).  Local items
are scored and summed apart and never enter an area or the index.  Everything is deterministic: the
same answers give bit-identical results, whatever batch a person is scored in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .irt import DEFAULT_QUADRATURE, FloatArray, ItemParams, Quadrature, eap
from .items import Answer, ItemSpec, score_answers
from .scale import (
    DEFAULT_CUTS,
    ScaleCuts,
    overall_index,
    overall_index_se,
    score_interval,
    score_se,
    score_to_level,
    theta_to_score,
)


@dataclass(frozen=True)
class AreaResult:
    """One person's result in one area.  NaN values and level 0 mean no item of the area was given."""

    area: int
    n_items: int
    theta: float
    se: float
    score: float
    score_se: float
    score_low: float
    score_high: float
    level: int


@dataclass(frozen=True)
class LocalResult:
    """Raw result on a region's local items, reported apart from the national index."""

    n_items: int
    raw: int
    max_raw: int
    percent: float


@dataclass(frozen=True)
class PersonResult:
    """One person's full result; ``item_scores`` lists (item id, score) for administered items."""

    item_scores: tuple[tuple[str, int], ...]
    areas: tuple[AreaResult, ...]
    index: float
    index_se: float
    index_level: int
    local: LocalResult


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Results for many persons as arrays: rows are persons, area columns follow ``areas``.

    ``score_low``/``score_high`` bound the interval from mapping ``theta -+ z*SE`` (95% by default).
    """

    item_ids: tuple[str, ...]
    areas: tuple[int, ...]
    item_scores: NDArray[np.int8]
    mask: NDArray[np.bool_]
    local: NDArray[np.bool_]
    n_items: NDArray[np.int16]
    theta: FloatArray
    se: FloatArray
    score: FloatArray
    score_se: FloatArray
    score_low: FloatArray
    score_high: FloatArray
    level: NDArray[np.int8]
    index: FloatArray
    index_se: FloatArray
    index_level: NDArray[np.int8]
    local_raw: NDArray[np.int32]
    local_max: NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.item_scores.shape[0])

    def person(self, i: int) -> PersonResult:
        """Person ``i``'s result as plain Python values."""
        areas = tuple(
            AreaResult(
                area=area,
                n_items=int(self.n_items[i, k]),
                theta=float(self.theta[i, k]),
                se=float(self.se[i, k]),
                score=float(self.score[i, k]),
                score_se=float(self.score_se[i, k]),
                score_low=float(self.score_low[i, k]),
                score_high=float(self.score_high[i, k]),
                level=int(self.level[i, k]),
            )
            for k, area in enumerate(self.areas)
        )
        given = self.mask[i]
        raw, top = int(self.local_raw[i]), int(self.local_max[i])
        local = LocalResult(
            n_items=int((given & self.local).sum()),
            raw=raw,
            max_raw=top,
            percent=100.0 * raw / top if top else float("nan"),
        )
        return PersonResult(
            item_scores=tuple(
                (item_id, int(self.item_scores[i, j])) for j, item_id in enumerate(self.item_ids) if given[j]
            ),
            areas=areas,
            index=float(self.index[i]),
            index_se=float(self.index_se[i]),
            index_level=int(self.index_level[i]),
            local=local,
        )


def _check_items(items: Sequence[ItemSpec]) -> None:
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique")


def score_matrix(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None = None,
    cuts: ScaleCuts = DEFAULT_CUTS,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
    z: float = 1.96,
) -> BatchResult:
    """Score a (persons, items) item-score matrix: EAP per area, 1-4 scores, levels, index, local raw.

    The index is the mean over the areas that have national items in ``items``; a person given no
    item of one of those areas gets NaN for that area and for the index (level 0).
    """
    _check_items(items)
    scores = np.asarray(scores, dtype=np.int8)
    n = scores.shape[0]
    mask = np.ones(scores.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    if scores.ndim != 2 or scores.shape[1] != len(items) or mask.shape != scores.shape:
        raise ValueError("scores and mask must be (persons, items) in the order of items")
    local = np.array([it.local for it in items], dtype=np.bool_)
    areas = tuple(sorted({it.area for it in items if not it.local}))
    shape = (n, len(areas))
    n_items = np.zeros(shape, dtype=np.int16)
    theta, se = np.full(shape, np.nan), np.full(shape, np.nan)
    score, s_se = np.full(shape, np.nan), np.full(shape, np.nan)
    low, high = np.full(shape, np.nan), np.full(shape, np.nan)
    for k, area in enumerate(areas):
        cols = [j for j, it in enumerate(items) if it.area == area and not it.local]
        params = ItemParams.from_items([items[j] for j in cols])
        sub_mask = mask[:, cols]
        t, e = eap(scores[:, cols], params, sub_mask, quadrature)
        given = sub_mask.sum(axis=1).astype(np.int16)
        missing = given == 0
        t[missing], e[missing] = np.nan, np.nan
        n_items[:, k], theta[:, k], se[:, k] = given, t, e
        score[:, k] = theta_to_score(t, cuts, area)
        s_se[:, k] = score_se(t, e, cuts, area)
        low[:, k], high[:, k] = score_interval(t, e, cuts, area, z)
    index = overall_index(score) if areas else np.full(n, np.nan)
    max_scores = np.array([it.max_score for it in items], dtype=np.int32)
    local_given = mask & local[None, :]
    return BatchResult(
        item_ids=tuple(it.id for it in items),
        areas=areas,
        item_scores=np.where(mask, scores, 0).astype(np.int8),
        mask=mask,
        local=local,
        n_items=n_items,
        theta=theta,
        se=se,
        score=score,
        score_se=s_se,
        score_low=low,
        score_high=high,
        level=score_to_level(score, cuts),
        index=index,
        index_se=overall_index_se(s_se) if areas else np.full(n, np.nan),
        index_level=score_to_level(index, cuts),
        local_raw=(scores.astype(np.int32) * local_given).sum(axis=1, dtype=np.int32),
        local_max=(max_scores[None, :] * local_given).sum(axis=1, dtype=np.int32),
    )


def score_many(
    items: Sequence[ItemSpec],
    answers: Sequence[Mapping[str, Answer]],
    administered: Sequence[Collection[str]] | None = None,
    cuts: ScaleCuts = DEFAULT_CUTS,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
    z: float = 1.96,
) -> BatchResult:
    """Score many persons from raw answers (see :func:`score_answers` for ``administered``)."""
    _check_items(items)
    scores, mask = score_answers(items, answers, administered)
    return score_matrix(items, scores, mask, cuts, quadrature, z)


def score_person(
    items: Sequence[ItemSpec],
    answers: Mapping[str, Answer],
    administered: Collection[str] | None = None,
    cuts: ScaleCuts = DEFAULT_CUTS,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
    z: float = 1.96,
) -> PersonResult:
    """Score one person.  ``items`` is the form; items missing from ``answers`` are unanswered (0)."""
    given = None if administered is None else [administered]
    return score_many(items, [answers], given, cuts, quadrature, z).person(0)
