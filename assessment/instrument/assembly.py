"""Test forms: which items a round's form holds, and the order each person sees them in.

The rule (``FormRule``) builds one form per round from a bank:

* the bank's **anchor block** (common items) is always in, so that every form and every round share
  items and results stay on one scale;
* every competence gets at least ``min_per_competence`` items, anchors counted;
* the remaining places are filled so that the four levels are as balanced as the bank allows, spread
  over competences round-robin;
* the choice is seeded by the round, so a form can be rebuilt exactly.

Each person then sees the form's items, and each item's options, in their own shuffled order,
seeded by round and person (a reload or another device shows the same order).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    code: str
    competence: str
    level: int
    is_anchor: bool
    option_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormRule:
    length: int = 60
    min_per_competence: int = 2
    include_anchors: bool = True


class FormRuleError(ValueError):
    pass


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def assemble(items: list[Candidate], rule: FormRule, seed: str) -> list[str]:
    """The item codes of the form, in bank order (people see them shuffled)."""
    competences = sorted({item.competence for item in items}, key=_natural)
    anchors = [item for item in items if item.is_anchor] if rule.include_anchors else []
    if len(anchors) > rule.length:
        raise FormRuleError(
            f"The anchor block ({len(anchors)} items) is longer than the form ({rule.length})."
        )
    if len(competences) * rule.min_per_competence > rule.length:
        raise FormRuleError("The form is too short to cover every competence.")
    if len(items) < rule.length:
        raise FormRuleError(f"The bank has {len(items)} items, fewer than the form's {rule.length}.")
    rng = _rng("form", seed)
    chosen: dict[str, Candidate] = {item.code: item for item in anchors}
    pool: dict[str, list[Candidate]] = defaultdict(list)
    for item in items:
        if item.code not in chosen:
            pool[item.competence].append(item)
    for candidates in pool.values():
        rng.shuffle(candidates)

    def take(competence: str) -> bool:
        """Add the competence's candidate whose level is least represented so far."""
        candidates = pool[competence]
        if not candidates:
            return False
        levels = Counter(item.level for item in chosen.values())
        best = min(candidates, key=lambda item: levels[item.level])
        candidates.remove(best)
        chosen[best.code] = best
        return True

    for competence in competences:  # coverage first
        while sum(1 for i in chosen.values() if i.competence == competence) < rule.min_per_competence:
            if not take(competence):
                raise FormRuleError(f"Competence {competence} has too few items for the form.")
    order = list(competences)
    while len(chosen) < rule.length:  # then balance, round-robin from the least covered competence
        order.sort(key=lambda c: (sum(1 for i in chosen.values() if i.competence == c), rng.random()))
        if not any(take(c) for c in order if len(chosen) < rule.length and pool[c]):
            break
    position = {item.code: n for n, item in enumerate(items)}
    return sorted(chosen, key=position.__getitem__)


@dataclass(frozen=True)
class PersonalForm:
    item_codes: list[str]
    option_order: dict[str, list[str]]


def personalise(form: list[Candidate], round_seed: str, person: str) -> PersonalForm:
    """This person's order of items and of each item's options (stable across reloads and devices)."""
    rng = _rng("person", round_seed, person)
    codes = [item.code for item in form]
    rng.shuffle(codes)
    options = {}
    for item in form:
        ids = list(item.option_ids)
        rng.shuffle(ids)
        options[item.code] = ids
    return PersonalForm(codes, options)


def _natural(code: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in code.split(".")]
