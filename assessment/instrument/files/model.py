"""The instrument's values as read from its files: framework, bank with items, training catalogue, and
the error that lists every problem found in them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

MIN_PER_COMPETENCE: Final = 6
DICHOTOMOUS_TYPES: Final = ("single_choice", "scenario")  # scored 0/1, 2PL
POLYTOMOUS_TYPES: Final = ("multiple_response", "ordering")  # scored 0/1/2, GPCM


class BankError(ValueError):
    """A data file (framework, bank, catalogue) that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems) or "Berkas tidak valid.")


# --------------------------------------------------------------------------- dataclasses: framework


@dataclass(frozen=True)
class Level:
    """A broad proficiency level (IKD uses DigComp's four: 1 Dasar ... 4 Sangat Mahir)."""

    number: int
    code: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str = ""


@dataclass(frozen=True)
class CompetenceLevel:
    """What a competence looks like at one level (IKD's ASN-specific descriptor)."""

    number: int
    description_id: str
    description_en: str = ""


@dataclass(frozen=True)
class Competence:
    code: str  # "1.1"
    area_code: str  # "1"
    name_id: str
    name_en: str
    description_id: str
    description_en: str = ""
    levels: tuple[CompetenceLevel, ...] = ()

    def level(self, number: int) -> CompetenceLevel | None:
        return next((lv for lv in self.levels if lv.number == number), None)


@dataclass(frozen=True)
class Area:
    code: str  # "1"
    name_id: str
    name_en: str
    description_id: str
    description_en: str = ""


@dataclass(frozen=True)
class Framework:
    code: str  # "digcomp"
    version: str  # "2.2"
    name_id: str
    name_en: str
    areas: tuple[Area, ...]
    competences: tuple[Competence, ...]
    levels: tuple[Level, ...]
    source: str = ""
    licence: str = ""
    notes: str = ""

    @property
    def key(self) -> str:
        """``"digcomp@2.2"``."""
        return f"{self.code}@{self.version}"

    @property
    def label(self) -> str:
        """``"digcomp-2.2"``, the form banks use to refer to a framework."""
        return f"{self.code}-{self.version}"

    @property
    def name(self) -> str:
        return self.name_id

    @property
    def competence_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.competences)

    @property
    def level_numbers(self) -> tuple[int, ...]:
        return tuple(lv.number for lv in self.levels)

    def area(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.code == code), None)

    def competence(self, code: str) -> Competence | None:
        return next((c for c in self.competences if c.code == code), None)

    def level(self, number: int) -> Level | None:
        return next((lv for lv in self.levels if lv.number == number), None)

    def competences_of(self, area_code: str) -> tuple[Competence, ...]:
        return tuple(c for c in self.competences if c.area_code == area_code)


# --------------------------------------------------------------------------- dataclasses: bank


@dataclass(frozen=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True)
class Item:
    """One item as written in the bank.

    ``key`` is a tuple of option ids: one for single_choice/scenario, the correct set for
    multiple_response (order irrelevant), the correct sequence for ordering.  ``params`` holds the IRT
    parameters as written (``a``, ``b`` and, for 0/1/2 items, optional ``steps``).  ``is_anchor`` is the
    item's own ``anchor`` flag or its listing in bank.yaml ``anchors``.  ``fingerprint`` is
    :func:`item_fingerprint` of the item as written; ``source`` is the file it came from.
    """

    id: str
    competence: str
    level: int
    type: str
    stem: str
    stimulus: dict[str, Any] | None = field(default=None, hash=False)
    options: tuple[Option, ...] = ()
    key: tuple[str, ...] = ()
    explanation: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    is_anchor: bool = False
    fingerprint: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""

    @property
    def area_code(self) -> str:
        """The area part of the competence code: ``"2"`` for ``"2.3"``."""
        return self.competence.split(".", 1)[0]

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @property
    def max_score(self) -> int:
        return 2 if self.type in POLYTOMOUS_TYPES else 1

    def where(self) -> str:
        """``"area-2.yaml, butir IKD-2.3-04"``: the start of every problem about this item."""
        return f"{self.source or 'berkas tidak diketahui'}, butir {self.id}"


@dataclass(frozen=True)
class Bank:
    code: str  # "ikd-nasional"
    version: str  # "2026.1"
    framework_code: str  # "digcomp"
    framework_version: str  # "2.2"
    title_id: str
    title_en: str
    items: tuple[Item, ...]
    anchors: tuple[str, ...]  # item ids, in bank order
    parameters: str = ""  # "provisional" until calibrated
    files: tuple[str, ...] = ()
    directory: str = ""
    listed_anchors: tuple[str, ...] = ()  # bank.yaml ``anchors`` as written (may name unknown items)

    @property
    def key(self) -> str:
        """``"ikd-nasional@2026.1"``."""
        return f"{self.code}@{self.version}"

    @property
    def label(self) -> str:
        """``"ikd-nasional-2026.1"``, the directory name and the name operators see."""
        return f"{self.code}-{self.version}"

    @property
    def framework_key(self) -> str:
        return f"{self.framework_code}@{self.framework_version}"

    @property
    def title(self) -> str:
        return self.title_id

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def items_for(self, competence: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.competence == competence)

    def fingerprints(self) -> dict[str, str]:
        """Item id -> fingerprint: what to store when a round first uses this version."""
        return {i.id: i.fingerprint for i in self.items}


# --------------------------------------------------------------------------- dataclasses: training


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    provider: str
    mode: str  # e-learning, klasikal, blended, webinar
    jp: int  # jam pelajaran, 45 minutes each
    cost_idr: int  # per participant
    level_from: int
    level_to: int
    competences: tuple[str, ...]
    description: str = ""

    @property
    def minutes(self) -> int:
        return self.jp * 45


@dataclass(frozen=True)
class TrainingCatalogue:
    code: str
    version: str
    title_id: str
    title_en: str
    courses: tuple[Course, ...]

    @property
    def title(self) -> str:
        return self.title_id

    def course(self, code: str) -> Course | None:
        return next((c for c in self.courses if c.code == code), None)

    def for_competence(self, competence: str) -> tuple[Course, ...]:
        return tuple(c for c in self.courses if competence in c.competences)
