"""Item specifications and the scoring of one answer to one item.

Scoring rules (see docs/scoring.md):

* ``single_choice`` and ``scenario``: the answer is one option id; 1 if it is the key, else 0.
* ``multiple_response``: the answer is a set of option ids; 2 if it equals the key set, 1 if it is
  one error away (exactly one key option missing, or exactly one wrong option added, not both), else 0.
* ``ordering``: the answer is a sequence of all option ids; 2 if it is the key order, 1 if its Kendall
  distance to the key is 1 (which is the same as exactly one swap of two neighbours), else 0.
* Unanswered (``None``, ``""`` or an empty collection) scores 0 for every type.  An empty selection
  for a multiple-response item is unanswered too, so it never earns the one-error credit.

A malformed answer (wrong Python shape, unknown option id, an ordering that is not a permutation of
the options) raises :class:`AnswerError`: the answer store should have refused it, and scoring it
silently as 0 would hide a defect.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, get_args

import numpy as np
from numpy.typing import NDArray

ItemType = Literal["single_choice", "scenario", "multiple_response", "ordering"]
ITEM_TYPES: Final[tuple[str, ...]] = get_args(ItemType)

# An answer as stored: one option id, a collection of option ids, or nothing.
Answer = str | Sequence[str] | frozenset[str] | set[str] | None

AREAS: Final[tuple[int, ...]] = (1, 2, 3, 4, 5)
AREA_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Literasi informasi dan data",
        2: "Komunikasi dan kolaborasi",
        3: "Pembuatan konten digital",
        4: "Keamanan",
        5: "Pemecahan masalah",
    }
)

_MAX_SCORE: Final[Mapping[str, int]] = MappingProxyType(
    {"single_choice": 1, "scenario": 1, "multiple_response": 2, "ordering": 2}
)


class AnswerError(ValueError):
    """An answer whose shape does not fit its item."""


@dataclass(frozen=True)
class ItemSpec:
    """One item of the instrument, with its key and its IRT parameters.

    ``key`` is the correct option for single-choice/scenario items (a 1-tuple), the correct set for
    multiple-response items (order irrelevant) and the correct sequence for ordering items.
    ``options`` lists every option id; it may be left empty, in which case unknown ids are not checked
    (ordering items then take their options from the key).
    ``a`` is the discrimination, ``b`` the location; ``steps`` are the GPCM step deviations of max-2
    items (two numbers summing to 0; category thresholds are ``b + steps[k]``; default ``(0, 0)``).
    ``local`` items belong to a region's own supplement: they are scored and reported apart and never
    enter an area score or the index.  ``anchor`` items keep their parameters fixed in calibration.
    ``c`` is the lower asymptote (guessing) of a one-answer item, in [0, 1): ``P(correct) =
    c + (1 - c) * logistic(a (theta - b))``; it must be 0 for partial-credit items.  Bank files and
    stored parameters may omit it (0).
    """

    id: str
    type: ItemType
    key: tuple[str, ...]
    area: int
    competence: str = ""
    level: int = 1
    a: float = 1.0
    b: float = 0.0
    steps: tuple[float, ...] = ()
    options: tuple[str, ...] = ()
    anchor: bool = False
    local: bool = False
    c: float = 0.0
    _key_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.type not in ITEM_TYPES:
            raise ValueError(f"item {self.id}: unknown type {self.type!r}")
        if not self.key or len(set(self.key)) != len(self.key):
            raise ValueError(f"item {self.id}: key must be non-empty without repeats")
        if self.type in ("single_choice", "scenario") and len(self.key) != 1:
            raise ValueError(f"item {self.id}: a {self.type} key has exactly one option")
        if self.type == "ordering" and len(self.key) < 2:
            raise ValueError(f"item {self.id}: an ordering key has at least two options")
        if self.options and not set(self.key) <= set(self.options):
            raise ValueError(f"item {self.id}: key options missing from options")
        if self.type == "ordering" and self.options and set(self.options) != set(self.key):
            raise ValueError(f"item {self.id}: an ordering key must use every option")
        if self.area not in AREAS:
            raise ValueError(f"item {self.id}: area must be one of {AREAS}")
        if self.level not in (1, 2, 3, 4):
            raise ValueError(f"item {self.id}: level must be 1-4")
        if not (math.isfinite(self.a) and self.a > 0 and math.isfinite(self.b)):
            raise ValueError(f"item {self.id}: a must be > 0 and b finite")
        if not (math.isfinite(self.c) and 0.0 <= self.c < 1.0):
            raise ValueError(f"item {self.id}: c must be in [0, 1)")
        if self.c != 0.0 and self.max_score != 1:
            raise ValueError(f"item {self.id}: only one-answer items have a lower asymptote c")
        steps = tuple(float(s) for s in self.steps)
        if self.max_score == 1:
            if steps:
                raise ValueError(f"item {self.id}: a max-1 item has no steps")
        else:
            if not steps:
                steps = (0.0, 0.0)
            if len(steps) != 2 or abs(sum(steps)) > 1e-9 or not all(map(math.isfinite, steps)):
                raise ValueError(f"item {self.id}: steps must be two finite numbers summing to 0")
        # Frozen dataclass: normalised values are set once, here.
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "_key_set", frozenset(self.key))

    @property
    def max_score(self) -> int:
        """1 for single-choice and scenario items, 2 for multiple-response and ordering items."""
        return _MAX_SCORE[self.type]

    @property
    def n_options(self) -> int:
        """Number of options (0 when ``options`` was left empty)."""
        return len(self.options)

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Category thresholds: ``(b,)`` for 2PL items, ``(b + steps[0], b + steps[1])`` for GPCM."""
        if self.max_score == 1:
            return (self.b,)
        return tuple(self.b + s for s in self.steps)


def _is_blank(answer: object) -> bool:
    if answer is None:
        return True
    if isinstance(answer, str):
        return answer == ""
    if isinstance(answer, Collection):
        return len(answer) == 0
    return False


def kendall_distance(seq: Sequence[str], ref: Sequence[str]) -> int:
    """Number of pairs of ``seq`` in the opposite order to ``ref`` (both permutations of one set).

    Distance 1 means exactly one swap of two neighbours; it is O(n^2), fine for a handful of options.
    """
    pos = {opt: i for i, opt in enumerate(ref)}
    ranks = [pos[opt] for opt in seq]
    return sum(1 for i in range(len(ranks)) for j in range(i + 1, len(ranks)) if ranks[i] > ranks[j])


def _check_known(item: ItemSpec, chosen: Iterable[str]) -> None:
    if item.options:
        unknown = set(chosen) - set(item.options)
        if unknown:
            raise AnswerError(f"item {item.id}: unknown option(s) {sorted(unknown)}")


def score_item(item: ItemSpec, answer: Answer) -> int:
    """Score one answer: 0/1 for single-choice and scenario items, 0/1/2 for the others."""
    if _is_blank(answer):
        return 0
    if item.type in ("single_choice", "scenario"):
        if not isinstance(answer, str):
            raise AnswerError(f"item {item.id}: expected one option id, got {type(answer).__name__}")
        _check_known(item, (answer,))
        return int(answer == item.key[0])
    if isinstance(answer, str) or not isinstance(answer, Collection):
        raise AnswerError(f"item {item.id}: expected a collection of option ids")
    if item.type == "multiple_response":
        chosen = frozenset(answer)
        _check_known(item, chosen)
        missing = len(item._key_set - chosen)
        wrong = len(chosen - item._key_set)
        if missing == 0 and wrong == 0:
            return 2
        return 1 if missing + wrong == 1 else 0
    # ordering
    seq = list(answer)
    if len(seq) != len(item.key) or set(seq) != item._key_set:
        raise AnswerError(f"item {item.id}: an ordering answer must list every option once")
    if seq == list(item.key):
        return 2
    return 1 if kendall_distance(seq, item.key) == 1 else 0


def _score_column(item: ItemSpec, column: list[Answer]) -> list[int]:
    """Score one item for many persons.  Well-formed choice answers go through a lookup table; the
    few distinct multiple-response sets and orderings are scored once each and remembered for this
    call only (no state outlives it)."""
    if item.max_score == 1:
        lut = dict.fromkeys(item.options, 0)
        lut[item.key[0]] = 1
        out = [lut.get(ans, -1) if ans.__class__ is str else -1 for ans in column]
        if not item.options:  # unknown ids cannot be checked: any other string is wrong
            out = [
                (0 if ans else -1) if s < 0 and ans.__class__ is str else s
                for s, ans in zip(out, column, strict=True)
            ]
        return [s if s >= 0 else score_item(item, ans) for s, ans in zip(out, column, strict=True)]
    memo: dict[object, int] = {}
    out = []
    for ans in column:
        if ans is None:
            out.append(0)
            continue
        try:
            memo_key: object = frozenset(ans) if item.type == "multiple_response" else tuple(ans)
        except TypeError:
            memo_key = None
        if memo_key is None or isinstance(ans, str):
            out.append(score_item(item, ans))  # raises the right error
            continue
        score = memo.get(memo_key)
        if score is None:
            score = memo[memo_key] = score_item(item, ans)
        out.append(score)
    return out


def score_answers(
    items: Sequence[ItemSpec],
    answers: Sequence[Mapping[str, Answer]],
    administered: Sequence[Collection[str]] | None = None,
) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
    """Score many persons' answers into a persons x items score matrix and an administered mask.

    ``answers[n]`` maps item id to answer for person ``n``; an administered item without an entry is
    unanswered and scores 0.  ``administered[n]`` lists the item ids person ``n`` was given; when it
    is ``None`` every item in ``items`` was given to everyone (a fixed form).  Scores of items not
    administered are 0 in the matrix and False in the mask.
    """
    n, n_items = len(answers), len(items)
    if administered is not None and len(administered) != n:
        raise ValueError("administered must have one entry per person")
    scores = np.zeros((n, n_items), dtype=np.int8)
    mask = np.ones((n, n_items), dtype=np.bool_)
    for j, item in enumerate(items):
        item_id = item.id
        if administered is None:
            column = [person.get(item_id) for person in answers]
        else:
            given = [item_id in g for g in administered]
            mask[:, j] = given
            column = [person.get(item_id) if g else None for person, g in zip(answers, given, strict=True)]
        scores[:, j] = _score_column(item, column)
    return scores, mask
