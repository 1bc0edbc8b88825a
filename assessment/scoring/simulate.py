"""Simulation helpers for tests, benchmarks and demos.  Every function takes a numpy Generator.

Nothing here is used to score real people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .irt import FloatArray, ItemParams, log_category_probs
from .items import AREAS, Answer, ItemSpec, ItemType, kendall_distance

# Mean item location per DigComp level in a level-balanced bank (theta scale).
LEVEL_B: tuple[float, float, float, float] = (-1.5, -0.5, 0.5, 1.5)
_LETTERS = "ABCDEFGH"


def make_form(
    rng: np.random.Generator,
    items_per_area: int = 12,
    areas: Sequence[int] = AREAS,
    n_multiple_response: int = 2,
    n_ordering: int = 2,
    n_scenario: int = 2,
    anchors_per_area: int = 0,
    a_range: tuple[float, float] = (0.7, 1.8),
    b_noise: float = 0.3,
    guessing: tuple[float, float] | None = None,
) -> tuple[ItemSpec, ...]:
    """A level-balanced form: levels cycle 1-4 within each area, ``b ~ LEVEL_B[level] + N(0, b_noise)``,
    ``a ~ U(a_range)``; GPCM steps ``(-s, s)`` with ``s ~ U(0.3, 0.9)``.  The first ``anchors_per_area``
    items of each area are flagged as anchors.  ``guessing=(low, high)`` gives every one-answer item a
    lower asymptote ``c ~ U(low, high)`` (drawn after the item's other parameters, so without it the
    random stream, and every form drawn before, is unchanged).
    """
    n_choice = items_per_area - n_multiple_response - n_ordering
    if n_choice < n_scenario or n_choice < 0:
        raise ValueError("too few items for the requested type mix")
    counts: tuple[tuple[ItemType, int], ...] = (
        ("single_choice", n_choice - n_scenario),
        ("scenario", n_scenario),
        ("multiple_response", n_multiple_response),
        ("ordering", n_ordering),
    )
    kinds = [kind for kind, count in counts for _ in range(count)]
    items: list[ItemSpec] = []
    for area in areas:
        order = rng.permutation(items_per_area)
        for j in range(items_per_area):
            kind = kinds[order[j]]
            level = j % 4 + 1
            a = float(rng.uniform(*a_range))
            b = float(LEVEL_B[level - 1] + rng.normal(0.0, b_noise))
            steps: tuple[float, ...] = ()
            c = 0.0
            if kind in ("single_choice", "scenario"):
                options = tuple(_LETTERS[:4])
                key: tuple[str, ...] = (options[int(rng.integers(4))],)
                if guessing is not None:
                    c = float(rng.uniform(*guessing))
            elif kind == "multiple_response":
                options = tuple(_LETTERS[:5])
                n_key = int(rng.integers(2, 4))
                key = tuple(sorted(str(o) for o in rng.choice(options, size=n_key, replace=False)))
                s = float(rng.uniform(0.3, 0.9))
                steps = (-s, s)
            else:
                options = tuple(_LETTERS[:4])
                key = tuple(str(o) for o in rng.permutation(options))
                s = float(rng.uniform(0.3, 0.9))
                steps = (-s, s)
            items.append(
                ItemSpec(
                    id=f"A{area}-{j + 1:02d}",
                    type=kind,
                    key=key,
                    area=area,
                    competence=f"{area}.{j % 3 + 1}",
                    level=level,
                    a=a,
                    b=b,
                    steps=steps,
                    options=options,
                    anchor=j < anchors_per_area,
                    c=c,
                )
            )
    return tuple(items)


def make_local_items(rng: np.random.Generator, n: int = 3, area: int = 1) -> tuple[ItemSpec, ...]:
    """A few local (regional) single-choice items."""
    form = make_form(
        rng, items_per_area=max(n, 2), areas=(area,), n_multiple_response=0, n_ordering=0, n_scenario=0
    )
    return tuple(replace(it, id=f"L-{k + 1:02d}", local=True) for k, it in enumerate(form[:n]))


def draw_theta(
    rng: np.random.Generator,
    n: int,
    mean: float | ArrayLike = 0.0,
    sd: float = 1.0,
    n_areas: int = len(AREAS),
    corr: float = 0.7,
) -> FloatArray:
    """True abilities, shape (n, n_areas): multivariate normal, equal correlation ``corr`` between areas.

    ``mean`` is a scalar or one value per area; draw each group separately for group differences.
    """
    cov = sd * sd * ((1.0 - corr) * np.eye(n_areas) + corr * np.ones((n_areas, n_areas)))
    means = np.broadcast_to(np.asarray(mean, dtype=np.float64), (n_areas,))
    return np.asarray(rng.multivariate_normal(means, cov, size=n, method="cholesky"), dtype=np.float64)


def draw_scores(
    rng: np.random.Generator, items: Sequence[ItemSpec], theta: FloatArray, areas: Sequence[int] = AREAS
) -> NDArray[np.int8]:
    """Item scores drawn from the 2PL/GPCM, shape (n, J); item ``j`` uses the theta column of its area."""
    n = theta.shape[0]
    column = {area: k for k, area in enumerate(areas)}
    u = rng.random((n, len(items)))
    out = np.zeros((n, len(items)), dtype=np.int8)
    for area in sorted({it.area for it in items}):
        cols = [j for j, it in enumerate(items) if it.area == area]
        probs = np.exp(
            log_category_probs(ItemParams.from_items([items[j] for j in cols]), theta[:, column[area]])
        )
        cum = np.cumsum(probs, axis=1)  # (J, 3, n)
        x = (u[:, cols].T[:, None, :] > cum[:, :2, :]).sum(axis=1)
        out[:, cols] = x.T.astype(np.int8)
    return out


def _distractor(rng: np.random.Generator, item: ItemSpec, weights: Sequence[float]) -> str:
    wrong = [o for o in item.options if o != item.key[0]]
    w = np.resize(np.asarray(weights, dtype=np.float64), len(wrong))
    return wrong[int(rng.choice(len(wrong), p=w / w.sum()))]


def draw_choices(
    rng: np.random.Generator,
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    weights: Sequence[float] = (0.5, 0.3, 0.2),
) -> dict[str, list[str | None]]:
    """Chosen option per person for each single-choice/scenario item: the key when the score is 1,
    else a distractor drawn with ``weights`` (a strong, a middling and a weak distractor)."""
    out: dict[str, list[str | None]] = {}
    for j, item in enumerate(items):
        if item.max_score != 1:
            continue
        out[item.id] = [item.key[0] if s == 1 else _distractor(rng, item, weights) for s in scores[:, j]]
    return out


def _answer_for(rng: np.random.Generator, item: ItemSpec, score: int, weights: Sequence[float]) -> Answer:
    if item.max_score == 1:
        return item.key[0] if score == 1 else _distractor(rng, item, weights)
    if item.type == "multiple_response":
        key = list(item.key)
        wrong = [o for o in item.options if o not in item.key]
        if score == 2:
            return frozenset(key)
        if score == 1:
            if wrong and (len(key) < 2 or rng.random() < 0.5):
                return frozenset([*key, wrong[int(rng.integers(len(wrong)))]])
            drop = int(rng.integers(len(key)))
            return frozenset(k for i, k in enumerate(key) if i != drop)
        if wrong and len(key) >= 2:
            drop = int(rng.integers(len(key)))
            return frozenset(
                [*(k for i, k in enumerate(key) if i != drop), wrong[int(rng.integers(len(wrong)))]]
            )
        return None
    seq = list(item.key)
    if score == 2:
        return tuple(seq)
    if score == 1:
        i = int(rng.integers(len(seq) - 1))
        seq[i], seq[i + 1] = seq[i + 1], seq[i]
        return tuple(seq)
    if len(seq) < 3:
        return None  # two options cannot be two swaps away: a zero is a blank
    while True:
        perm = [str(o) for o in rng.permutation(seq)]
        if kendall_distance(perm, item.key) >= 2:
            return tuple(perm)


def draw_answers(
    rng: np.random.Generator,
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    weights: Sequence[float] = (0.5, 0.3, 0.2),
    blank_rate: float = 0.0,
) -> list[dict[str, Answer]]:
    """Raw answers that score exactly to ``scores``; a share ``blank_rate`` of zero scores is left blank."""
    out: list[dict[str, Answer]] = []
    for row in np.asarray(scores):
        person: dict[str, Answer] = {}
        for item, s in zip(items, row, strict=True):
            if s == 0 and blank_rate > 0.0 and rng.random() < blank_rate:
                continue
            person[item.id] = _answer_for(rng, item, int(s), weights)
        out.append(person)
    return out
