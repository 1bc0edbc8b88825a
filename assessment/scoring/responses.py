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
left out of every group figure; it is never given a level. "Its" items are those of its own order: with
parallel forms (a round's forms share anchors, the rest differ) the columns are the union of the forms,
and an item outside a person's order was never given to them. Such an item is *not reached* by the rule
above (it is never shown, and it stands after the last answer), so it is neither wrong nor omitted, and
it does not count in the person's share either.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .items import Answer, AnswerError, ItemSpec, score_item

# Persons with fewer than this share of their national items answered are incomplete.
COMPLETE_SHARE: Final[float] = 0.5
OMITTED_AS_WRONG: Final[bool] = True

# A stored response as the answer store keeps it: a list of option ids (empty: unanswered).
StoredResponse = Sequence[object] | str | None


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


# What can be wrong with an answer's shape (the engine's words; the save path says them in Indonesian).
SHAPE_PROBLEMS: Final[Mapping[str, str]] = {
    "not_text": "option ids are text",
    "unknown_option": "unknown option id",
    "repeated": "an option appears twice",
    "not_one": "a one-option item takes exactly one option id",
    "not_all": "an ordering answer must list every option once",
    "unknown_type": "unknown item type",
}
_ONE_OPTION: Final[frozenset[str]] = frozenset({"single_choice", "scenario"})


def shape_problem(item_type: str, options: Collection[str], response: object) -> str | None:
    """The one rule for an answer's shape, used by the save path and by scoring: None when ``response``
    (a list of option ids; empty means unanswered) fits, else a key of :data:`SHAPE_PROBLEMS`.
    Single choice and scenario take exactly one option, multiple response one or more distinct ones,
    ordering every option once. ``options`` empty: option ids are not checked (an engine-only item)."""
    if not isinstance(response, list) or not all(isinstance(option, str) for option in response):
        return "not_text"
    if options and not set(response) <= set(options):
        return "unknown_option"
    if len(set(response)) != len(response):
        return "repeated"
    if not response or item_type == "multiple_response":
        return None
    if item_type in _ONE_OPTION:
        return None if len(response) == 1 else "not_one"
    if item_type == "ordering":
        return None if not options or len(response) == len(options) else "not_all"
    return "unknown_type"


def as_answer(item: ItemSpec, response: StoredResponse) -> Answer:
    """A stored response in the engine's shape; raises :class:`AnswerError` when it cannot fit the item.

    A one-option item takes exactly one id: a list of two ids is malformed, never "the first one".
    """
    if response is None or len(response) == 0:
        return None
    if isinstance(response, str):
        if item.max_score != 1:
            raise AnswerError(f"item {item.id}: expected a list of option ids")
        response = [response]
    options = item.options or (item.key if item.type == "ordering" else ())
    listed = list(response)
    problem = shape_problem(item.type, options, listed)
    if problem is not None:
        raise AnswerError(f"item {item.id}: {SHAPE_PROBLEMS[problem]}")
    return str(listed[0]) if item.max_score == 1 else [str(option) for option in listed]


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

    ``responses[n]`` maps item id to what person ``n`` stored; ``orders[n]`` is the order person ``n``
    was shown the items (default: the order of ``items``); ``seen[n]`` the items the test page reports
    as shown (empty or ``None``: not recorded, and only the trailing-blanks rule applies).
    """
    cells = [[_key(person.get(item.id)) for item in items] for person in responses]
    return _code(
        items, len(cells), lambda j: [row[j] for row in cells], _from_key, orders, seen, complete_share
    )


def code_stored(
    items: Sequence[ItemSpec],
    stored: Sequence[Sequence[str | None]] | NDArray[np.object_],
    orders: Sequence[Sequence[str]] | None = None,
    seen: Sequence[Collection[str]] | None = None,
    complete_share: float = COMPLETE_SHARE,
) -> ResponseMatrix:
    """:func:`code_responses` for responses as the answer store keeps them: ``stored[n][j]`` is the JSON
    text of person ``n``'s answer to ``items[j]``, or None. A round has a few dozen distinct texts per
    item, so each is decoded and checked once, and ten thousand persons cost a dictionary lookup each."""
    if isinstance(stored, np.ndarray):
        matrix = stored
        return _code(
            items, matrix.shape[0], lambda j: matrix[:, j].tolist(), _from_json, orders, seen, complete_share
        )
    rows = stored
    return _code(
        items, len(rows), lambda j: [row[j] for row in rows], _from_json, orders, seen, complete_share
    )


_BLANK: Final[int] = -1
_MALFORMED: Final[int] = -2


def _key(response: StoredResponse) -> object:
    """A hashable stand-in for a stored response (a list becomes a tuple); unhashable: malformed."""
    if response is None or isinstance(response, str):
        return response
    try:
        key = tuple(response)
        hash(key)
    except TypeError:
        return _Unhashable()
    return key


class _Unhashable:
    """A response with an unhashable element (a dict in a list): always malformed."""


def _from_key(key: object) -> StoredResponse:
    if isinstance(key, _Unhashable):
        return [key]
    return list(key) if isinstance(key, tuple) else key  # type: ignore[return-value]


def _from_json(text: object) -> StoredResponse:
    value = json.loads(str(text))
    # Anything but a list cannot fit an item: an element that is not text makes it malformed below.
    return value if isinstance(value, list) else [_Unhashable()]


def _cell_code(item: ItemSpec, response: StoredResponse) -> int:
    """The item score, or _BLANK, or _MALFORMED."""
    try:
        answer = as_answer(item, response)
        return _BLANK if answer is None else score_item(item, answer)
    except AnswerError:
        return _MALFORMED


def _code(
    items: Sequence[ItemSpec],
    n: int,
    column_of: Callable[[int], list[object]],
    decode: Callable[[object], StoredResponse],
    orders: Sequence[Sequence[str]] | None,
    seen: Sequence[Collection[str]] | None,
    complete_share: float,
) -> ResponseMatrix:
    n_items = len(items)
    if orders is not None and len(orders) != n:
        raise ValueError("orders must have one entry per person")
    if seen is not None and len(seen) != n:
        raise ValueError("seen must have one entry per person")
    codes = np.full((n, n_items), _BLANK, dtype=np.int8)
    for j, item in enumerate(items):
        column = column_of(j)
        memo: dict[object, int] = {None: _BLANK}
        for key in set(column):
            if key not in memo:
                memo[key] = _cell_code(item, decode(key))
        codes[:, j] = [memo[key] for key in column]
    answered = codes >= 0
    malformed = codes == _MALFORMED
    scores = np.where(answered, codes, 0).astype(np.int8)

    # Position of every item in each person's own order; the trailing run starts after the last answer.
    ids = [item.id for item in items]
    position = _positions(ids, orders, n)
    touched = answered | malformed
    last = np.where(touched.any(axis=1), np.where(touched, position, -1).max(axis=1), -1)
    trailing = position > last[:, None]
    blank = ~touched
    unseen = np.zeros((n, n_items), dtype=np.bool_)
    if seen is not None:
        for i, shown in enumerate(seen):
            if shown:
                shown_set = set(shown)
                unseen[i] = [code not in shown_set for code in ids]
    not_reached = blank & (trailing | unseen)
    omitted = blank & ~not_reached
    national = np.array([not item.local for item in items], dtype=np.bool_)
    n_national = int(national.sum())
    answered_national = (answered & national[None, :]).sum(axis=1)
    # Half of the person's own national items: with parallel forms an order holds one form's items, and
    # the others (never given, so not reached above) do not count against completeness.
    own = position < _order_lengths(orders, n, n_items)[:, None]
    own_national = (own & national[None, :]).sum(axis=1)
    complete = (answered_national >= complete_share * own_national) & (own_national > 0)
    return ResponseMatrix(
        item_ids=tuple(ids),
        scores=scores,
        answered=answered,
        malformed=malformed,
        not_reached=not_reached,
        omitted=omitted,
        complete=np.asarray(complete, dtype=np.bool_),
        n_national=n_national,
    )


def _order_lengths(orders: Sequence[Sequence[str]] | None, n: int, n_items: int) -> NDArray[np.int64]:
    """How many items each person was given: their order's length (no order, or an empty one: all)."""
    if orders is None:
        return np.full(n, n_items, dtype=np.int64)
    return np.array([len(order) or n_items for order in orders], dtype=np.int64).reshape(n)


def _positions(ids: list[str], orders: Sequence[Sequence[str]] | None, n: int) -> NDArray[np.int64]:
    """(n, J): where each item stood in each person's order. Items missing from an order (should not
    happen) go last, in form order; a person without an order saw the form order."""
    n_items = len(ids)
    default = np.arange(n_items, dtype=np.int64)
    if orders is None:
        return np.tile(default, (n, 1))
    column = {code: j for j, code in enumerate(ids)}
    if all(len(order) == n_items for order in orders):
        # The usual case, at once: every order a permutation of the form.
        flat = np.array([column.get(code, -1) for order in orders for code in order], dtype=np.int64)
        index = flat.reshape(n, n_items)
        if n == 0 or (np.sort(index, axis=1) == default[None, :]).all():
            position = np.empty((n, n_items), dtype=np.int64)
            np.put_along_axis(position, index, np.broadcast_to(default, (n, n_items)), axis=1)
            return position
    rows = []
    for order in orders:
        if not len(order):
            rows.append(default.tolist())
            continue
        rank = {code: k for k, code in enumerate(order)}
        rows.append([rank.get(code, len(order) + j) for j, code in enumerate(ids)])
    return np.array(rows, dtype=np.int64).reshape(n, n_items)


def chosen_options(item: ItemSpec, stored: Sequence[str | None]) -> list[str | None]:
    """The option chosen on a one-option item per person, from stored JSON texts (None: blank or
    malformed): the input of the distractor rates."""
    memo: dict[str | None, str | None] = {None: None}
    out = []
    for text in stored:
        if text not in memo:
            response = _from_json(text)
            answered = response is not None and _cell_code(item, response) >= 0
            memo[text] = str(response[0]) if answered and response else None
        out.append(memo[text])
    return out
