"""The response process: which stored answers count, which items were given, which attempts are complete.

A taker sees the form's items in their own order and may stop, skip or run out of time. Scoring every
blank as wrong (as the engine's ``score_answers`` does for a fixed form) biases exactly the people who
did not finish: in simulation, 15 % of takers who never reached their last 15 items lost 0.44 on their
index. This module turns what was stored into an item-score matrix and three masks, by one rule:

* **answered**: a well-formed answer of the item's shape. It is scored.
* **malformed**: a stored answer that does not fit its item (a single-choice answer with two ids, a
  partial ordering, an unknown option). The save path refuses these; any that are still stored (from
  before the check, or a direct write) are treated as *not administered* for that person and counted,
  so one bad row never stops a round's scoring.
* **not reached**: unanswered and either never shown to the taker (``seen``, recorded by the test
  page) or after the last answered item in the taker's own order (the trailing run of blanks: the
  classic operational definition, also the only one available for attempts without a ``seen``
  record). Not administered: neither wrong nor part of calibration.
* **omitted**: shown, unanswered, and followed by later answered items: the taker saw it and moved on.
  For a person's score it counts as wrong (``OMITTED_AS_WRONG``); for calibration it is left out.

Why omitted counts as wrong for persons (simulation in ``tests/assessment/scoring/test_responses.py``
and docs/scoring.md 2.11): when people skip what they cannot do, the realistic case in a low-stakes
test, "wrong" is unbiased and "missing" overstates them; "missing" would also let anyone raise their
score by skipping every item they are unsure of. When blanks are random (independent of ability),
"wrong" understates by about 0.3 at 20 % blanks, but random blanks of a taker who goes on to answer
later items are rare. Item calibration instead treats omitted items as missing: a blank says nothing
reliable about an item's difficulty, and counting random blanks as wrong flattens the estimated
discriminations (r(a) fell from .99 to .78 with 20 % blanks).

An attempt with fewer than half of its (national) items answered is **incomplete**: reported apart and
left out of every group figure; it is never given a level.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .items import Answer, AnswerError, ItemSpec, score_item

# Persons with fewer than this share of their national items answered are incomplete.
COMPLETE_SHARE: Final[float] = 0.5
OMITTED_AS_WRONG: Final[bool] = True

# A stored response as the answer store keeps it: a list of option ids (empty: unanswered).
StoredResponse = Sequence[str] | str | None


@dataclass(frozen=True, eq=False)
class ResponseMatrix:
    """Rows are persons, columns follow ``item_ids``. Masks are disjoint except ``administered``."""

    item_ids: tuple[str, ...]
    scores: NDArray[np.int8]  # item score where answered, else 0
    answered: NDArray[np.bool_]
    malformed: NDArray[np.bool_]
    not_reached: NDArray[np.bool_]
    omitted: NDArray[np.bool_]
    complete: NDArray[np.bool_]  # (N,)
    n_national: int

    @property
    def administered(self) -> NDArray[np.bool_]:
        """The mask for person scores: answered items, plus omitted ones (scored 0) by the rule above."""
        if OMITTED_AS_WRONG:
            return np.asarray(self.answered | self.omitted)
        return self.answered

    @property
    def calibration_mask(self) -> NDArray[np.bool_]:
        """The mask for item calibration and item statistics: answered items only."""
        return self.answered

    @property
    def n_answered(self) -> NDArray[np.int64]:
        return np.asarray(self.answered.sum(axis=1), dtype=np.int64)

    @property
    def n_reached(self) -> NDArray[np.int64]:
        """Items the person reached (answered, omitted or malformed): how far they got."""
        return np.asarray((~self.not_reached).sum(axis=1), dtype=np.int64)


def as_answer(item: ItemSpec, response: StoredResponse) -> Answer:
    """A stored response in the engine's shape; raises :class:`AnswerError` when it cannot fit the item.

    A one-option item takes exactly one id: a list of two ids is malformed, never "the first one".
    """
    if response is None or len(response) == 0:
        return None
    if isinstance(response, str):
        if item.max_score == 1:
            return response
        raise AnswerError(f"item {item.id}: expected a list of option ids")
    if not all(isinstance(option, str) for option in response):
        raise AnswerError(f"item {item.id}: option ids are text")
    if item.max_score == 1:
        if len(response) != 1:
            raise AnswerError(f"item {item.id}: a one-option item takes exactly one option id")
        return str(response[0])
    if len(set(response)) != len(response):
        raise AnswerError(f"item {item.id}: an option appears twice")
    return list(response)


def check_answer(item: ItemSpec, response: StoredResponse) -> Answer:
    """The answer in the engine's shape, fully checked (unknown ids, partial orderings): raises
    :class:`AnswerError`. The save path uses the same rule, so what is stored always scores."""
    answer = as_answer(item, response)
    if answer is not None:
        score_item(item, answer)
    return answer


def code_responses(
    items: Sequence[ItemSpec],
    responses: Sequence[Mapping[str, StoredResponse]],
    orders: Sequence[Sequence[str]] | None = None,
    seen: Sequence[Collection[str]] | None = None,
    complete_share: float = COMPLETE_SHARE,
) -> ResponseMatrix:
    """Code every person's stored responses by the rule of the module docstring.

    ``orders[n]`` is the order person ``n`` was shown the items (default: the order of ``items``);
    ``seen[n]`` the items the test page reports as shown (empty or ``None``: not recorded, and only
    the trailing-blanks rule applies).
    """
    n, n_items = len(responses), len(items)
    if orders is not None and len(orders) != n:
        raise ValueError("orders must have one entry per person")
    if seen is not None and len(seen) != n:
        raise ValueError("seen must have one entry per person")
    scores = np.zeros((n, n_items), dtype=np.int8)
    answered = np.zeros((n, n_items), dtype=np.bool_)
    malformed = np.zeros((n, n_items), dtype=np.bool_)
    column_of = {item.id: j for j, item in enumerate(items)}
    memo: list[dict[object, int]] = [{} for _ in items]
    for i, person in enumerate(responses):
        for code, response in person.items():
            j = column_of.get(code)
            if j is None or response is None or len(response) == 0:
                continue
            memo_key: object = response if isinstance(response, str) else tuple(response)
            try:
                score = memo[j].get(memo_key)
            except TypeError:  # an unhashable element: malformed, and not worth remembering
                memo_key, score = None, None
            if score is None:
                try:
                    answer = as_answer(items[j], response)
                    score = -1 if answer is None else score_item(items[j], answer)
                except AnswerError:
                    score = -2
                if memo_key is not None:
                    memo[j][memo_key] = score
            if score == -2:
                malformed[i, j] = True
            elif score >= 0:
                answered[i, j] = True
                scores[i, j] = score

    # Position of every item in each person's own order; the trailing run starts after the last answer.
    default = np.arange(n_items)
    position = np.empty((n, n_items), dtype=np.int64)
    for i in range(n):
        order = orders[i] if orders is not None and len(orders[i]) else None
        if order is None:
            position[i] = default
        else:
            rank = {code: k for k, code in enumerate(order)}
            # Items missing from the order (should not happen) go last, in form order.
            position[i] = [rank.get(item.id, len(order) + j) for j, item in enumerate(items)]
    touched = answered | malformed
    last = np.where(touched.any(axis=1), np.where(touched, position, -1).max(axis=1), -1)
    trailing = position > last[:, None]
    blank = ~touched
    unseen = np.zeros((n, n_items), dtype=np.bool_)
    if seen is not None:
        for i, shown in enumerate(seen):
            if shown:
                shown_set = set(shown)
                unseen[i] = [item.id not in shown_set for item in items]
    not_reached = blank & (trailing | unseen)
    omitted = blank & ~not_reached
    national = np.array([not item.local for item in items], dtype=np.bool_)
    n_national = int(national.sum())
    answered_national = (answered & national[None, :]).sum(axis=1)
    complete = answered_national >= complete_share * n_national if n_national else np.zeros(n, np.bool_)
    return ResponseMatrix(
        item_ids=tuple(item.id for item in items),
        scores=scores,
        answered=answered,
        malformed=malformed,
        not_reached=not_reached,
        omitted=omitted,
        complete=np.asarray(complete, dtype=np.bool_),
        n_national=n_national,
    )
