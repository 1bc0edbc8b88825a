"""Matching a reported training to the region's catalogue (``results.TrainingCourse``).

Titles come from learning platforms and spreadsheets with their own spelling: case, punctuation,
accents and doubled spaces differ. Both sides are normalised (:func:`normalise`: NFKD without accents,
lower case, every run of non-letters and non-digits one space). A record matches the course with the
same normalised title; when several courses share that title, the one whose provider also matches; when
that still leaves more than one (or none of them has the provider), no match: a wrong match would count
a training as done that was not planned. Inactive courses match too: a course no longer offered was
still completed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assessment.results.models import TrainingCourse

__all__ = ["Catalogue", "normalise", "title_key"]

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", plain.casefold()).strip()


def title_key(title: str) -> str:
    """The stored key of a record's title (``TrainingRecord.title_key``): what "the same course" means."""
    return normalise(title)[:255]


@dataclass(frozen=True)
class Catalogue:
    """The region's courses by normalised title, loaded once per import or API call."""

    by_title: dict[str, tuple[tuple[str, int], ...]]  # title key -> ((provider key, course id), ...)

    @classmethod
    def load(cls) -> Catalogue:
        found: dict[str, list[tuple[str, int]]] = {}
        for pk, title, provider in TrainingCourse.objects.values_list("pk", "title", "provider"):
            found.setdefault(normalise(title), []).append((normalise(provider), pk))
        return cls({key: tuple(v) for key, v in found.items()})

    def match(self, title: str, provider: str) -> int | None:
        candidates = self.by_title.get(normalise(title), ())
        if len(candidates) == 1:
            return candidates[0][1]
        same_provider = [pk for key, pk in candidates if key and key == normalise(provider)]
        return same_provider[0] if len(same_provider) == 1 else None
