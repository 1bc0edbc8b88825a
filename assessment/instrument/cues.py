"""Test-wise cues in an item bank: rules a taker could use to score without the competence.

A good item is answered right by knowing the content, not by reading the options for hints. Three
cues are checked here, because they are the ones an independent review found in the first bank
(version 2026.1) and the ones item-writing guides warn about most (Haladyna, Downing & Rodriguez 2002):

* **Absolute words.** Options with words such as "hanya", "tanpa", "langsung", "semua", "selalu",
  "pasti" read as extreme, and writers tend to put them in wrong options. The rule "never choose an
  option with an absolute word" then beats chance. In 2026.1 such words stood in 28 % of distractors
  and 4 % of keys, and the rule answered level-4 items right 56 % of the time (chance .25).
* **Option length.** Writers qualify the right answer until it is the longest; "choose the longest"
  then beats chance. Told to avoid that, they make it the second longest, so every length rank (the
  longest, the second longest, ...) is checked as a rule of its own.
* **Key position.** Options are shuffled on screen, so a key's place in the file cannot help a taker,
  but a file where keys sit mostly in one place shows a habit that leaks in other ways (printed
  forms, exports, a future change to the shuffle). No position may hold more than 35 % of the keys of
  one-answer items, and the options of a multiple-response item's key must not simply be its first
  options in most items.

Each rule is a *strategy* that picks an answer from the options alone; its expected score on an item is
computed exactly (a uniform choice among the options the rule keeps), as a proportion of the item's
maximum score. The figure per item level is the mean over that level's items. A rule *beats chance*
at a level when its mean exceeds ``LIMIT`` (.30; a blind guess among four options scores .25).
Ordering items are left out: their options are steps, not alternative answers.

Pure functions over :class:`assessment.instrument.files.Bank` items; the suite runs them over the bank
offered for new rounds (tests/assessment/instrument/test_bank_cues.py).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from assessment.instrument.files import Item
from assessment.scoring.items import ItemSpec, score_item

LIMIT: Final = 0.30  # a rule's mean proportion of the maximum score, per level
POSITION_LIMIT: Final = 0.35  # share of one-answer keys at any one option position
LEADING_KEYS_LIMIT: Final = 0.35  # share of multiple-response items whose keys are the first options

# Indonesian absolute or extreme qualifiers, as whole words or phrases (lower case).
ABSOLUTE_WORDS: Final[tuple[str, ...]] = (
    "hanya",
    "tanpa",
    "langsung",
    "semua",
    "semuanya",
    "seluruh",
    "seluruhnya",
    "selalu",
    "tidak pernah",
    "pasti",
    "mutlak",
    "sama sekali",
    "apa pun",
    "apapun",
    "dijamin",
    "tidak perlu",
    "cukup",
    "segera",
)
_ABSOLUTE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ABSOLUTE_WORDS) + r")\b", re.IGNORECASE)

_ONE_ANSWER: Final = frozenset({"single_choice", "scenario"})
_RULED: Final = _ONE_ANSWER | {"multiple_response"}


def absolute_words(text: str) -> tuple[str, ...]:
    """The absolute words in ``text`` (lower case, in order of appearance)."""
    return tuple(m.group(1).lower() for m in _ABSOLUTE.finditer(text))


def _spec(item: Item) -> ItemSpec:
    return ItemSpec(
        id=item.id,
        type=item.type,  # type: ignore[arg-type]
        key=item.key,
        area=int(item.area_code),
        competence=item.competence,
        level=item.level,
        options=item.option_ids,
    )


def _expected(item: Item, kept: Sequence[str]) -> float:
    """Expected proportion of the maximum score when the rule keeps ``kept`` (option ids).

    One-answer items: a uniform pick among the kept options. Multiple-response items: the taker
    selects every kept option (the rule's whole answer).
    """
    if not kept:
        kept = item.option_ids
    if item.type in _ONE_ANSWER:
        return (1.0 / len(kept)) if item.key[0] in kept else 0.0
    return score_item(_spec(item), list(kept)) / item.max_score


def avoid_absolute_words(item: Item) -> float:
    """The rule "never pick an option with an absolute word" (all options when every one has one)."""
    return _expected(item, [o.id for o in item.options if not absolute_words(o.text)])


def pick_by_length(rank: int) -> Callable[[Item], float | None]:
    """The rule "pick the option of this length rank" (1 = longest, 2 = second longest, ...).

    Writers who learn not to make the key the longest often make it the second longest instead, so
    every rank is a rule of its own. Options of equal length share a rank (a uniform pick among them).
    For multiple response, rank 1 selects the longer half of the options and other ranks do not apply
    (None: the item does not count in that rule's figure).
    """

    def rule(item: Item) -> float | None:
        lengths = sorted({len(o.text) for o in item.options}, reverse=True)
        if item.type in _ONE_ANSWER:
            if rank > len(lengths):
                return 0.0
            return _expected(item, [o.id for o in item.options if len(o.text) == lengths[rank - 1]])
        if rank != 1:
            return None  # not a rule a taker can apply to a multiple-response item
        ranked = sorted(item.options, key=lambda o: -len(o.text))
        return _expected(item, [o.id for o in ranked[: max(1, len(ranked) // 2)]])

    return rule


RULES: Final[dict[str, Callable[[Item], float | None]]] = {
    "absolute_words": avoid_absolute_words,
    "longest_option": pick_by_length(1),
    "second_longest_option": pick_by_length(2),
    "third_longest_option": pick_by_length(3),
    "fourth_longest_option": pick_by_length(4),
}


@dataclass(frozen=True)
class RuleAtLevel:
    rule: str
    level: int
    items: int
    mean: float  # mean expected proportion of the maximum score under the rule
    chance: float  # the same for a blind uniform pick (one option; for multiple response one option)

    @property
    def beats_limit(self) -> bool:
        return self.mean > LIMIT


@dataclass(frozen=True)
class CueReport:
    rules: tuple[RuleAtLevel, ...]
    key_positions: dict[int, float]  # 1-based option position -> share of one-answer keys there
    leading_keys: float  # share of multiple-response items whose key is exactly the first options
    absolute_in_keys: float  # share of keys (one-answer) with an absolute word
    absolute_in_distractors: float  # share of distractors (one-answer) with an absolute word

    def problems(self) -> list[str]:
        """What breaks the bank's standard, one sentence each (empty when the bank is clean)."""
        out = [
            f"rule '{r.rule}' scores {r.mean:.2f} at level {r.level} ({r.items} items; limit {LIMIT:.2f})"
            for r in self.rules
            if r.beats_limit
        ]
        out += [
            f"option position {pos} holds {share:.0%} of one-answer keys (limit {POSITION_LIMIT:.0%})"
            for pos, share in sorted(self.key_positions.items())
            if share > POSITION_LIMIT
        ]
        if self.leading_keys > LEADING_KEYS_LIMIT:
            out.append(
                f"{self.leading_keys:.0%} of multiple-response items have their keys as the first options "
                f"(limit {LEADING_KEYS_LIMIT:.0%})"
            )
        return out


def _chance(item: Item) -> float:
    return _expected(item, item.option_ids[:1]) if item.type == "multiple_response" else 1 / len(item.options)


def check(items: Iterable[Item]) -> CueReport:
    """Every rule's figure per level, the key positions and the absolute-word shares of ``items``."""
    ruled = [i for i in items if i.type in _RULED and i.options]
    by_level: dict[int, list[Item]] = defaultdict(list)
    for item in ruled:
        by_level[item.level].append(item)
    rules = []
    for name, rule in RULES.items():
        for level, group in sorted(by_level.items()):
            applied = [(item, rule(item)) for item in group]
            scored = [(item, value) for item, value in applied if value is not None]
            if scored:
                rules.append(
                    RuleAtLevel(
                        rule=name,
                        level=level,
                        items=len(scored),
                        mean=sum(value for _, value in scored) / len(scored),
                        chance=sum(_chance(item) for item, _ in scored) / len(scored),
                    )
                )
    one_answer = [i for i in ruled if i.type in _ONE_ANSWER]
    positions = Counter(i.option_ids.index(i.key[0]) + 1 for i in one_answer if i.key[0] in i.option_ids)
    total = sum(positions.values()) or 1
    multiple = [i for i in ruled if i.type == "multiple_response"]
    leading = sum(1 for i in multiple if set(i.option_ids[: len(i.key)]) == set(i.key))
    keys = [o for i in one_answer for o in i.options if o.id == i.key[0]]
    distractors = [o for i in one_answer for o in i.options if o.id != i.key[0]]
    return CueReport(
        rules=tuple(rules),
        key_positions={pos: n / total for pos, n in sorted(positions.items())},
        leading_keys=leading / len(multiple) if multiple else 0.0,
        absolute_in_keys=sum(1 for o in keys if absolute_words(o.text)) / (len(keys) or 1),
        absolute_in_distractors=sum(1 for o in distractors if absolute_words(o.text))
        / (len(distractors) or 1),
    )
