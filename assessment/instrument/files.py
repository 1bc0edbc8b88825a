"""The instrument as files: competence frameworks, item banks and training catalogues read from YAML.

Pure Python (PyYAML, no Django).  The Django layer loads these files, checks them and stores what
comes back; scoring gets :class:`assessment.scoring.ItemSpec` objects through :func:`to_item_spec`.

Files (see ``assessment/data``):

* ``frameworks/<code>-<version>.yaml``: ``framework`` (code, version, name, source, licence), optional
  ``notes``, ``levels`` (number, code, name, description) and ``areas`` with their ``competences``
  (code, name, description and one descriptor per level).  Every text is ``{id: ..., en: ...}``.
* ``banks/<code>-<version>/bank.yaml``: ``bank`` (code, version, framework ``<code>-<version>``, title,
  parameters status, ``files``, optional ``anchors`` list) plus the item files it lists, each a mapping
  with one key ``items``.  Without ``files`` the loader reads ``area-*.yaml`` in natural order.
* ``training/<name>.yaml``: ``catalogue`` (code, version, title) and ``courses``.

Two stages, so that an operator sees every problem in one go:

* ``load_*`` checks *shapes* (the YAML parses, mappings are mappings, a level is a whole number, a
  competence code is quoted text, no unknown field names).  Anything wrong there raises
  :class:`BankError` with all problems found.  Fields that are merely missing load as empty values.
* :func:`validate_bank` checks *content* against a framework (keys, options, coverage, parameters...)
  and returns a list of problems; :func:`load_checked_bank` does both and raises.

:func:`check_unchanged` guards versions already used in a round: a used version is frozen.

All problems are written in Indonesian, because the operator who fixes the files reads them.  Each
names the file, the item (``butir``) and the field as it is spelt in YAML, e.g.
``"area-2.yaml, butir IKD-2.3-04: kunci jawaban (key) tidak diisi."``
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final, TypeGuard

import yaml

from assessment.scoring import ITEM_TYPES, ItemSpec

__all__ = [
    "DICHOTOMOUS_TYPES",
    "ITEM_TYPES",
    "MIN_PER_COMPETENCE",
    "POLYTOMOUS_TYPES",
    "Area",
    "Bank",
    "BankError",
    "Competence",
    "CompetenceLevel",
    "Course",
    "Framework",
    "Item",
    "Level",
    "Option",
    "TrainingCatalogue",
    "check_unchanged",
    "item_fingerprint",
    "load_bank",
    "load_checked_bank",
    "load_framework",
    "load_training_catalogue",
    "parse_framework_ref",
    "to_item_spec",
    "validate_bank",
]

MIN_PER_COMPETENCE: Final = 6
DICHOTOMOUS_TYPES: Final = ("single_choice", "scenario")  # scored 0/1, 2PL
POLYTOMOUS_TYPES: Final = ("multiple_response", "ordering")  # scored 0/1/2, GPCM

_ITEM_FIELDS: Final = frozenset(
    {
        "id",
        "competence",
        "level",
        "type",
        "anchor",
        "tags",
        "stem",
        "stimulus",
        "options",
        "key",
        "explanation",
        "params",
    }
)
_PARAM_FIELDS: Final = frozenset({"a", "b", "steps", "c"})
_BANK_FIELDS: Final = frozenset({"code", "version", "framework", "title", "parameters", "files", "anchors"})
_COURSE_FIELDS: Final = frozenset(
    {
        "code",
        "title",
        "provider",
        "mode",
        "jp",
        "cost_idr",
        "level_from",
        "level_to",
        "competences",
        "description",
    }
)
_STEP_SUM_TOLERANCE: Final = 1e-9  # the same tolerance ItemSpec applies


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


# --------------------------------------------------------------------------- YAML helpers


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{path.name}: berkas tidak ditemukan ({path}).")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: berkas tidak dapat dibaca ({exc}).")
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" baris {mark.line + 1}" if mark is not None else ""
        problems.append(f"{path.name}{where}: YAML tidak valid ({getattr(exc, 'problem', exc)}).")
        return None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object, where: str, name: str, problems: list[str]) -> str:
    """A plain text field; missing loads as ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}: {name} harus berupa teks.")
        return ""
    return value


def _code(value: object, where: str, name: str, problems: list[str]) -> str:
    """A code such as "1.1" or "2.2": it must be quoted in YAML, or 1.10 would silently read as 1.1."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if _is_number(value):
        problems.append(
            f'{where}: {name} {value!r} harus ditulis sebagai teks bertanda kutip, misalnya "{value}".'
        )
        return str(value)
    problems.append(f"{where}: {name} harus berupa teks.")
    return ""


def _bilingual(value: object, where: str, name: str, problems: list[str]) -> tuple[str, str]:
    """``{id: ..., en: ...}``; plain text counts as Indonesian."""
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"id", "en"})
        if unknown:
            problems.append(f"{where}: {name} memuat bahasa yang tidak dikenal {unknown}; gunakan id dan en.")
        return (
            _text(value.get("id"), where, f"{name}.id", problems),
            _text(value.get("en"), where, f"{name}.en", problems),
        )
    problems.append(f"{where}: {name} harus berupa teks atau {{id: ..., en: ...}}.")
    return "", ""


def _mapping(value: object, where: str, problems: list[str]) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: harus berupa mapping (kolom: nilai).")
        return None
    return value


def _list(value: object, where: str, name: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: {name} harus berupa daftar.")
        return []
    return value


def _unknown_fields(
    data: Mapping[str, Any], allowed: frozenset[str], where: str, problems: list[str]
) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        problems.append(f"{where}: kolom tidak dikenal {', '.join(unknown)} (salah ketik?).")


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


_FRAMEWORK_REF = re.compile(r"^(?P<code>.+?)(?:@|-(?=\d))(?P<version>.+)$")


def parse_framework_ref(ref: str) -> tuple[str, str]:
    """``"digcomp-2.2"`` or ``"digcomp@2.2"`` -> ``("digcomp", "2.2")``; ``"digcomp-3.0-draft"`` ->
    ``("digcomp", "3.0-draft")`` (the version starts at the first hyphen followed by a digit)."""
    match = _FRAMEWORK_REF.match(ref.strip())
    if not match:
        raise ValueError(f"rujukan kerangka {ref!r} tidak berbentuk kode-versi, misalnya digcomp-2.2")
    return match["code"], match["version"]


# --------------------------------------------------------------------------- frameworks


def load_framework(path: str | PathLike[str]) -> Framework:
    """Read a competence framework file; raise :class:`BankError` listing every problem."""
    path = Path(path)
    fname = path.name
    problems: list[str] = []
    raw = _read_yaml(path, problems)
    if problems:
        raise BankError(problems)
    data = _mapping(raw, fname, problems)
    if data is None:
        raise BankError(problems)
    _unknown_fields(data, frozenset({"framework", "notes", "levels", "areas"}), fname, problems)

    head = _mapping(data.get("framework"), f"{fname}, framework", problems) or {}
    code = _code(head.get("code"), f"{fname}, framework", "code", problems)
    version = _code(head.get("version"), f"{fname}, framework", "version", problems)
    if not code:
        problems.append(f"{fname}, framework: code tidak diisi.")
    if not version:
        problems.append(f"{fname}, framework: version tidak diisi.")
    name_id, name_en = _bilingual(head.get("name"), f"{fname}, framework", "name", problems)
    source = _text(head.get("source"), f"{fname}, framework", "source", problems)
    licence = _text(head.get("licence"), f"{fname}, framework", "licence", problems)
    notes = _text(data.get("notes"), fname, "notes", problems)

    levels: list[Level] = []
    for n, raw_level in enumerate(_list(data.get("levels"), fname, "levels", problems), start=1):
        where = f"{fname}, levels ke-{n}"
        lv = _mapping(raw_level, where, problems)
        if lv is None:
            continue
        number = lv.get("number")
        if not _is_int(number):
            problems.append(f"{where}: number harus bilangan bulat.")
            continue
        where = f"{fname}, tingkat {number}"
        lname_id, lname_en = _bilingual(lv.get("name"), where, "name", problems)
        ldesc_id, ldesc_en = _bilingual(lv.get("description"), where, "description", problems)
        if not lname_id:
            problems.append(f"{where}: name.id tidak diisi.")
        levels.append(
            Level(
                number, _code(lv.get("code"), where, "code", problems), lname_id, lname_en, ldesc_id, ldesc_en
            )
        )
    numbers = [lv.number for lv in levels]
    if not levels:
        problems.append(f"{fname}: levels tidak diisi.")
    elif sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(f"{fname}: nomor tingkat harus 1 sampai {len(numbers)} tanpa celah atau ganda.")
    levels.sort(key=lambda lv: lv.number)

    areas: list[Area] = []
    competences: list[Competence] = []
    for n, raw_area in enumerate(_list(data.get("areas"), fname, "areas", problems), start=1):
        ar = _mapping(raw_area, f"{fname}, areas ke-{n}", problems)
        if ar is None:
            continue
        acode = _code(ar.get("code"), f"{fname}, areas ke-{n}", "code", problems)
        where = f"{fname}, area {acode or f'ke-{n}'}"
        if not acode:
            problems.append(f"{where}: code tidak diisi.")
        aname_id, aname_en = _bilingual(ar.get("name"), where, "name", problems)
        adesc_id, adesc_en = _bilingual(ar.get("description"), where, "description", problems)
        if not aname_id:
            problems.append(f"{where}: name.id tidak diisi.")
        areas.append(Area(acode, aname_id, aname_en, adesc_id, adesc_en))
        comps = _list(ar.get("competences"), where, "competences", problems)
        if not comps:
            problems.append(f"{where}: tidak memiliki kompetensi.")
        for m, raw_comp in enumerate(comps, start=1):
            co = _mapping(raw_comp, f"{where}, competences ke-{m}", problems)
            if co is None:
                continue
            ccode = _code(co.get("code"), f"{where}, competences ke-{m}", "code", problems)
            cwhere = f"{fname}, kompetensi {ccode or f'ke-{m} area {acode}'}"
            if not ccode:
                problems.append(f"{cwhere}: code tidak diisi.")
            elif ccode.split(".", 1)[0] != acode:
                problems.append(f"{cwhere}: kode tidak diawali kode areanya ({acode}.).")
            cname_id, cname_en = _bilingual(co.get("name"), cwhere, "name", problems)
            cdesc_id, cdesc_en = _bilingual(co.get("description"), cwhere, "description", problems)
            if not cname_id:
                problems.append(f"{cwhere}: name.id tidak diisi.")
            descriptors: list[CompetenceLevel] = []
            raw_desc = co.get("levels") or {}
            if not isinstance(raw_desc, Mapping):
                problems.append(f"{cwhere}: levels harus berupa mapping nomor tingkat -> deskripsi.")
                raw_desc = {}
            for lnum, text in raw_desc.items():
                if not _is_int(lnum) or lnum not in numbers:
                    problems.append(
                        f"{cwhere}: levels memuat tingkat {lnum!r} yang tidak ada dalam kerangka."
                    )
                    continue
                d_id, d_en = _bilingual(text, f"{cwhere}, tingkat {lnum}", "deskripsi", problems)
                descriptors.append(CompetenceLevel(lnum, d_id, d_en))
            missing = sorted(set(numbers) - {d.number for d in descriptors})
            if missing and raw_desc:
                problems.append(f"{cwhere}: deskripsi tingkat {', '.join(map(str, missing))} tidak ada.")
            descriptors.sort(key=lambda d: d.number)
            competences.append(
                Competence(ccode, acode, cname_id, cname_en, cdesc_id, cdesc_en, tuple(descriptors))
            )
    if not areas:
        problems.append(f"{fname}: areas tidak diisi.")
    for what, codes in (("area", [a.code for a in areas]), ("kompetensi", [c.code for c in competences])):
        for dup, count in Counter(codes).items():
            if dup and count > 1:
                problems.append(f"{fname}: kode {what} {dup} muncul {count} kali.")
    if problems:
        raise BankError(problems)
    return Framework(
        code=code,
        version=version,
        name_id=name_id,
        name_en=name_en,
        areas=tuple(areas),
        competences=tuple(competences),
        levels=tuple(levels),
        source=source,
        licence=licence,
        notes=notes,
    )


# --------------------------------------------------------------------------- fingerprints


def _key_tuple(raw: object) -> tuple[str, ...] | None:
    """The key as a tuple of option ids, or None when it has the wrong shape."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,) if raw else ()
    if isinstance(raw, list | tuple) and all(isinstance(k, str) for k in raw):
        return tuple(raw)
    return None


def item_fingerprint(item: Mapping[str, Any] | Item) -> str:
    """SHA-256 (hex) of a canonical JSON of what a respondent sees and how it is scored.

    Included: ``type``, ``competence``, ``level``, ``stem``, ``stimulus``, ``options`` (ids and texts, in
    order: the order is shown to respondents) and ``key``.  A change to any of these makes answers given
    before and after incomparable, so it is not allowed inside a version already used by a round.

    Left out on purpose:

    * ``params``: calibration re-estimates a and b (and steps) of a used version; that is expected and
      must not count as a change of the item;
    * ``anchor``: which items anchor the scale is a calibration decision, not item content;
    * ``explanation`` and ``tags``: feedback and search aids, shown after answering or never; fixing
      a typo there does not change what was measured;
    * ``id``: fingerprints are compared per id.

    A single-option key written as ``b`` or ``[b]`` hashes the same; a multiple_response key is hashed
    as a sorted set, so reordering it is not a change.  Everything else is hashed exactly as written.
    """
    if isinstance(item, Item):
        data: Mapping[str, Any] = {
            "type": item.type,
            "competence": item.competence,
            "level": item.level,
            "stem": item.stem,
            "stimulus": item.stimulus,
            "options": [{"id": o.id, "text": o.text} for o in item.options],
            "key": list(item.key),
        }
    else:
        data = item
    key = _key_tuple(data.get("key"))
    key_list: Any = list(key) if key is not None else data.get("key")
    if data.get("type") == "multiple_response" and key is not None:
        key_list = sorted(key)
    options = data.get("options")
    if isinstance(options, list):
        options = [
            {"id": o.get("id"), "text": o.get("text")} if isinstance(o, Mapping) else o for o in options
        ]
    content = {
        "type": data.get("type"),
        "competence": data.get("competence"),
        "level": data.get("level"),
        "stem": data.get("stem"),
        "stimulus": data.get("stimulus"),
        "options": options,
        "key": key_list,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- banks


def _load_item(raw: object, fname: str, n: int, anchors: set[str], problems: list[str]) -> Item | None:
    data = _mapping(raw, f"{fname}, butir ke-{n}", problems)
    if data is None:
        return None
    item_id = data.get("id")
    if isinstance(item_id, int | float) and not isinstance(item_id, bool):
        item_id = str(item_id)
    if not isinstance(item_id, str) or not item_id.strip():
        problems.append(f"{fname}, butir ke-{n}: id tidak diisi.")
        return None
    item_id = item_id.strip()
    where = f"{fname}, butir {item_id}"
    before = len(problems)
    _unknown_fields(data, _ITEM_FIELDS, where, problems)

    competence = _code(data.get("competence"), where, "kompetensi (competence)", problems)
    level = data.get("level", 0)
    if level is None:
        level = 0
    if not _is_int(level):
        problems.append(f"{where}: tingkat (level) harus bilangan bulat.")
        level = 0
    item_type = _text(data.get("type"), where, "jenis (type)", problems)
    stem = _text(data.get("stem"), where, "pokok soal (stem)", problems)
    explanation = _text(data.get("explanation"), where, "pembahasan (explanation)", problems)

    stimulus = data.get("stimulus")
    if stimulus is not None and not isinstance(stimulus, Mapping):
        problems.append(f"{where}: stimulus harus berupa mapping.")
        stimulus = None

    options: list[Option] = []
    for m, raw_opt in enumerate(_list(data.get("options"), where, "opsi (options)", problems), start=1):
        if not isinstance(raw_opt, Mapping) or set(raw_opt) - {"id", "text"}:
            problems.append(f"{where}: opsi ke-{m} harus berbentuk {{id: ..., text: ...}}.")
            continue
        opt_id = raw_opt.get("id")
        if not isinstance(opt_id, str) or not opt_id:
            problems.append(f"{where}: opsi ke-{m} tidak memiliki id berupa teks.")
            continue
        options.append(Option(opt_id, _text(raw_opt.get("text"), where, f"teks opsi {opt_id}", problems)))

    key = _key_tuple(data.get("key"))
    if key is None:
        problems.append(f"{where}: kunci jawaban (key) harus berupa id opsi atau daftar id opsi.")
        key = ()

    params = data.get("params")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        problems.append(f"{where}: parameter (params) harus berupa mapping {{a, b, steps}}.")
        params = {}

    anchor = data.get("anchor", False)
    if anchor is None:
        anchor = False
    if not isinstance(anchor, bool):
        problems.append(f"{where}: anchor harus true atau false.")
        anchor = False

    tags = _list(data.get("tags"), where, "tags", problems)
    if not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}: tags harus berupa daftar teks.")
        tags = []

    if len(problems) > before:
        return None
    return Item(
        id=item_id,
        competence=competence,
        level=level,
        type=item_type,
        stem=stem,
        stimulus=_plain(stimulus) if stimulus is not None else None,
        options=tuple(options),
        key=key,
        explanation=explanation,
        params=_plain(params),
        is_anchor=anchor or item_id in anchors,
        fingerprint=item_fingerprint(data),
        tags=tuple(tags),
        source=fname,
    )


def _plain(value: Any) -> Any:
    """A deep copy of YAML data as plain dicts and lists (the loaded item shares nothing with the file)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def load_bank(directory: str | PathLike[str]) -> Bank:
    """Read ``bank.yaml`` and its item files from ``directory``.

    Raises :class:`BankError` on *structural* problems (a file missing or not valid YAML, a wrong shape,
    an unknown field, an item without id).  Content problems (a missing key, an unknown competence, a
    duplicate id...) are left to :func:`validate_bank`; missing fields load as empty values so that it
    can report them.
    """
    directory = Path(directory)
    problems: list[str] = []
    raw = _read_yaml(directory / "bank.yaml", problems)
    if problems:
        raise BankError(problems)
    data = _mapping(raw, "bank.yaml", problems)
    if data is None:
        raise BankError(problems)
    _unknown_fields(data, frozenset({"bank", "items"}), "bank.yaml", problems)
    head = _mapping(data.get("bank"), "bank.yaml, bank", problems) or {}
    _unknown_fields(head, _BANK_FIELDS, "bank.yaml, bank", problems)
    code = _code(head.get("code"), "bank.yaml, bank", "code", problems)
    version = _code(head.get("version"), "bank.yaml, bank", "version", problems)
    for name, value in (("code", code), ("version", version)):
        if not value:
            problems.append(f"bank.yaml, bank: {name} tidak diisi.")
    fw_code = fw_version = ""
    ref = head.get("framework")
    if isinstance(ref, Mapping):
        fw_code = _code(ref.get("code"), "bank.yaml, bank.framework", "code", problems)
        fw_version = _code(ref.get("version"), "bank.yaml, bank.framework", "version", problems)
    elif isinstance(ref, str) and ref.strip():
        try:
            fw_code, fw_version = parse_framework_ref(ref)
        except ValueError as exc:
            problems.append(f"bank.yaml, bank: framework: {exc}.")
            fw_code = fw_version = "?"
    elif ref is not None:
        problems.append("bank.yaml, bank: framework harus berupa teks kode-versi, misalnya digcomp-2.2.")
        fw_code = fw_version = "?"
    if not (fw_code and fw_version):
        problems.append("bank.yaml, bank: framework tidak diisi (misalnya digcomp-2.2).")
    title_id, title_en = _bilingual(head.get("title"), "bank.yaml, bank", "title", problems)
    parameters = _text(head.get("parameters"), "bank.yaml, bank", "parameters", problems)

    listed_anchors = _list(head.get("anchors"), "bank.yaml, bank", "anchors", problems)
    if not all(isinstance(a, str) for a in listed_anchors):
        problems.append("bank.yaml, bank: anchors harus berupa daftar id butir.")
        listed_anchors = []

    files_raw = head.get("files")
    on_disk = sorted((p.name for p in directory.glob("area-*.yaml")), key=_natural_key)
    if files_raw is None:
        files = on_disk
    else:
        files = _list(files_raw, "bank.yaml, bank", "files", problems)
        if not all(isinstance(f, str) for f in files):
            problems.append("bank.yaml, bank: files harus berupa daftar nama berkas.")
            files = []
        for dup, count in Counter(files).items():
            if count > 1:
                problems.append(f"bank.yaml, bank: files menyebut {dup} {count} kali.")
        problems.extend(
            f"bank.yaml, bank: {stray} ada di direktori tetapi tidak tercantum di files."
            for stray in on_disk
            if stray not in files
        )
    if not files and not data.get("items"):
        problems.append("bank.yaml: tidak ada berkas butir (files kosong dan tidak ada area-*.yaml).")

    items: list[Item] = []
    anchors = set(listed_anchors)
    sources: list[tuple[str, Any]] = []
    if data.get("items") is not None:
        sources.append(("bank.yaml", data.get("items")))
    for fname in dict.fromkeys(files):
        fproblems: list[str] = []
        content = _read_yaml(directory / fname, fproblems)
        problems.extend(fproblems)
        if fproblems:
            continue
        fdata = _mapping(content, fname, problems)
        if fdata is None:
            continue
        _unknown_fields(fdata, frozenset({"items"}), fname, problems)
        sources.append((fname, fdata.get("items")))
    for fname, raw_items in sources:
        entries = _list(raw_items, fname, "items", problems)
        if not entries:
            problems.append(f"{fname}: tidak memuat butir (items kosong).")
        for n, raw_item in enumerate(entries, start=1):
            item = _load_item(raw_item, fname, n, anchors, problems)
            if item is not None:
                items.append(item)
    if problems:
        raise BankError(problems)
    flagged = [i.id for i in items if i.is_anchor and i.id not in listed_anchors]
    return Bank(
        code=code,
        version=version,
        framework_code=fw_code,
        framework_version=fw_version,
        title_id=title_id,
        title_en=title_en,
        items=tuple(items),
        anchors=tuple(dict.fromkeys([a for a in listed_anchors if any(i.id == a for i in items)] + flagged)),
        parameters=parameters,
        files=tuple(files),
        directory=str(directory),
        listed_anchors=tuple(listed_anchors),
    )


def _validate_params(item: Item) -> list[str]:
    where = item.where()
    params = item.params
    out: list[str] = []
    if not params:
        return [f"{where}: parameter (params) tidak diisi; isi setidaknya a dan b."]
    unknown = sorted(set(params) - _PARAM_FIELDS)
    if unknown:
        out.append(f"{where}: params memuat kolom tidak dikenal {', '.join(unknown)}.")
    a = params.get("a")
    if a is None:
        out.append(f"{where}: parameter a (params.a) tidak diisi.")
    elif not _is_number(a) or not math.isfinite(a) or a <= 0:
        out.append(f"{where}: parameter a (params.a) harus angka lebih dari 0, tertulis {a!r}.")
    b = params.get("b")
    if b is None:
        out.append(f"{where}: parameter b (params.b) tidak diisi.")
    elif not _is_number(b) or not math.isfinite(b):
        out.append(f"{where}: parameter b (params.b) harus angka, tertulis {b!r}.")
    steps = params.get("steps")
    if steps is not None:
        if item.type in DICHOTOMOUS_TYPES:
            out.append(f"{where}: butir {item.type} (skor 0/1) tidak boleh memiliki params.steps.")
        elif (
            not isinstance(steps, list)
            or len(steps) != 2
            or not all(_is_number(s) and math.isfinite(s) for s in steps)
        ):
            out.append(f"{where}: params.steps harus berisi dua angka, misalnya [-0.5, 0.5].")
        elif abs(sum(steps)) > _STEP_SUM_TOLERANCE:
            out.append(f"{where}: jumlah params.steps harus 0, tertulis {steps}.")
    c = params.get("c")
    if c is not None:
        if item.type not in DICHOTOMOUS_TYPES:
            out.append(f"{where}: butir {item.type} (skor 0/1/2) tidak boleh memiliki params.c.")
        elif not _is_number(c) or not math.isfinite(c) or not 0 <= c < 1:
            out.append(f"{where}: parameter c (params.c) harus angka 0 sampai kurang dari 1, tertulis {c!r}.")
    return out


def _validate_stimulus(item: Item) -> list[str]:
    stim = item.stimulus
    if stim is None:
        return []
    where = item.where()
    kind = stim.get("kind")
    if not isinstance(kind, str) or not kind:
        return [f"{where}: stimulus tidak memiliki kind (misalnya text, table, chat, email, browser)."]
    if kind == "table":
        columns, rows = stim.get("columns"), stim.get("rows")
        if not isinstance(columns, list) or not isinstance(rows, list) or not rows:
            return [f"{where}: stimulus tabel harus memiliki columns dan rows."]
        bad = [
            n for n, row in enumerate(rows, start=1) if not isinstance(row, list) or len(row) != len(columns)
        ]
        if bad:
            return [
                f"{where}: stimulus tabel, baris {', '.join(map(str, bad))} tidak memiliki "
                f"{len(columns)} kolom seperti columns."
            ]
    return []


def _validate_item(item: Item, framework: Framework) -> list[str]:
    where = item.where()
    out: list[str] = []
    if not item.type:
        out.append(f"{where}: jenis (type) tidak diisi.")
    elif item.type not in ITEM_TYPES:
        types = ", ".join(ITEM_TYPES)
        out.append(f"{where}: jenis (type) {item.type!r} tidak dikenal; pilih salah satu dari {types}.")
    if not item.competence:
        out.append(f"{where}: kompetensi (competence) tidak diisi.")
    elif framework.competence(item.competence) is None:
        out.append(
            f"{where}: kompetensi (competence) {item.competence} tidak ada dalam kerangka {framework.label}."
        )
    if not item.level:
        out.append(f"{where}: tingkat (level) tidak diisi.")
    elif item.level not in framework.level_numbers:
        levels = ", ".join(map(str, framework.level_numbers))
        out.append(
            f"{where}: tingkat (level) {item.level} tidak ada dalam kerangka {framework.label} ({levels})."
        )
    if not item.stem.strip():
        out.append(f"{where}: pokok soal (stem) kosong.")
    if not item.explanation.strip():
        out.append(f"{where}: pembahasan (explanation) kosong.")
    out.extend(_validate_stimulus(item))

    ids = item.option_ids
    for dup, count in Counter(ids).items():
        if count > 1:
            out.append(f"{where}: id opsi {dup} dipakai {count} kali (options).")
    out.extend(f"{where}: teks opsi {o.id} kosong (options)." for o in item.options if not o.text.strip())
    if len(ids) < 2:
        out.append(f"{where}: opsi jawaban (options) kurang dari dua.")

    key = item.key
    if not key:
        out.append(f"{where}: kunci jawaban (key) tidak diisi.")
    else:
        for dup, count in Counter(key).items():
            if count > 1:
                out.append(f"{where}: kunci jawaban (key) menyebut opsi {dup} {count} kali.")
        unknown = [k for k in dict.fromkeys(key) if k not in ids]
        if unknown:
            out.append(f"{where}: kunci jawaban (key) menyebut opsi yang tidak ada: {', '.join(unknown)}.")
        if item.type in DICHOTOMOUS_TYPES and len(key) != 1:
            out.append(
                f"{where}: butir {item.type} harus memiliki tepat satu kunci jawaban (key), ada {len(key)}."
            )
        elif item.type == "multiple_response":
            if len(set(key)) < 2:
                out.append(
                    f"{where}: butir multiple_response harus memiliki minimal dua kunci jawaban (key)."
                )
            elif ids and not set(ids) - set(key):
                out.append(
                    f"{where}: semua opsi menjadi kunci jawaban (key); "
                    "butir multiple_response perlu pengecoh."
                )
        elif item.type == "ordering" and (len(key) != len(ids) or set(key) != set(ids)):
            out.append(
                f"{where}: kunci jawaban (key) butir ordering harus memuat setiap opsi tepat satu kali."
            )
    out.extend(_validate_params(item))
    return out


def validate_bank(
    bank: Bank | str | PathLike[str],
    framework: Framework,
    *,
    min_per_competence: int = MIN_PER_COMPETENCE,
) -> list[str]:
    """Every content problem of ``bank`` against ``framework`` (empty list: the bank is usable).

    ``bank`` is a loaded :class:`Bank` or the path of a bank directory (loaded with :func:`load_bank`,
    whose :class:`BankError` propagates).  Problems come in order: the bank, then items in file order,
    then coverage per competence.
    """
    if not isinstance(bank, Bank):
        bank = load_bank(bank)
    out: list[str] = []
    if (bank.framework_code, bank.framework_version) != (framework.code, framework.version):
        out.append(
            f"bank.yaml: bank {bank.label} memakai kerangka {bank.framework_code}-{bank.framework_version}, "
            f"tetapi kerangka yang diberikan {framework.label}."
        )
    known = {i.id for i in bank.items}
    out.extend(
        f"bank.yaml: butir jangkar (anchors) {a} tidak ada dalam bank."
        for a in bank.listed_anchors
        if a not in known
    )
    for dup, count in Counter(bank.listed_anchors).items():
        if count > 1:
            out.append(f"bank.yaml: butir jangkar (anchors) {dup} disebut {count} kali.")

    seen: dict[str, str] = {}
    for item in bank.items:
        first = seen.get(item.id)
        if first is not None:
            out.append(f"{item.where()}: id ganda; id ini sudah dipakai di {first}.")
        else:
            seen[item.id] = item.source
        out.extend(_validate_item(item, framework))

    counts = Counter(i.competence for i in bank.items)
    for comp in framework.competences:
        n = counts.get(comp.code, 0)
        if n == 0:
            out.append(f"Kompetensi {comp.code} tidak memiliki butir.")
        elif n < min_per_competence:
            out.append(f"Kompetensi {comp.code} hanya memiliki {n} butir; minimal {min_per_competence}.")
    return out


def load_checked_bank(
    directory: str | PathLike[str],
    framework: Framework,
    *,
    min_per_competence: int = MIN_PER_COMPETENCE,
) -> Bank:
    """:func:`load_bank` then :func:`validate_bank`; raise :class:`BankError` if anything is wrong."""
    bank = load_bank(directory)
    problems = validate_bank(bank, framework, min_per_competence=min_per_competence)
    if problems:
        raise BankError(problems)
    return bank


def check_unchanged(bank: Bank, used_fingerprints: Mapping[str, str]) -> list[str]:
    """Problems if ``bank`` differs from the version a round already used.

    ``used_fingerprints`` is :meth:`Bank.fingerprints` as stored when the version was first used.  A used
    version is frozen: no item may change (see :func:`item_fingerprint` for what counts: parameters do
    not), disappear or be added.  Fixes go into a new version.
    """
    label = bank.label
    out: list[str] = []
    present: set[str] = set()
    for item in bank.items:
        present.add(item.id)
        old = used_fingerprints.get(item.id)
        if old is None:
            out.append(
                f"Butir {item.id} ditambahkan ke versi {label} yang sudah dipakai dalam ronde; "
                "versi yang sudah dipakai dibekukan, terbitkan butir baru dalam versi bank yang baru."
            )
        elif old != item.fingerprint:
            out.append(f"Butir {item.id} berubah padahal versi {label} sudah dipakai dalam ronde.")
    out.extend(
        f"Butir {item_id} dihapus padahal versi {label} sudah dipakai dalam ronde."
        for item_id in used_fingerprints
        if item_id not in present
    )
    return out


def to_item_spec(item: Item, *, local: bool = False) -> ItemSpec:
    """The scoring engine's view of an item (``area`` from the competence code, ``anchor`` from the flag).

    Raises :class:`BankError` if the item cannot be scored; a bank that passed :func:`validate_bank`
    always converts.
    """
    try:
        params = item.params
        steps: Sequence[float] = params.get("steps") or ()
        return ItemSpec(
            id=item.id,
            type=item.type,  # type: ignore[arg-type]  # checked by ItemSpec
            key=item.key,
            area=int(item.area_code),
            competence=item.competence,
            level=item.level,
            a=float(params.get("a", 1.0)),
            b=float(params.get("b", 0.0)),
            steps=tuple(float(s) for s in steps),
            c=float(params.get("c") or 0.0),
            options=item.option_ids,
            anchor=item.is_anchor,
            local=local,
        )
    except (TypeError, ValueError) as exc:
        raise BankError([f"{item.where()}: tidak dapat dipakai untuk penskoran ({exc})."]) from exc


# --------------------------------------------------------------------------- training catalogue


def load_training_catalogue(
    path: str | PathLike[str], framework: Framework | None = None
) -> TrainingCatalogue:
    """Read a training catalogue; raise :class:`BankError` listing every problem.

    With ``framework``, competences and levels are also checked against it.
    """
    path = Path(path)
    fname = path.name
    problems: list[str] = []
    raw = _read_yaml(path, problems)
    if problems:
        raise BankError(problems)
    data = _mapping(raw, fname, problems)
    if data is None:
        raise BankError(problems)
    _unknown_fields(data, frozenset({"catalogue", "courses"}), fname, problems)
    head = _mapping(data.get("catalogue"), f"{fname}, catalogue", problems) or {}
    code = _code(head.get("code"), f"{fname}, catalogue", "code", problems)
    version = _code(head.get("version"), f"{fname}, catalogue", "version", problems)
    title_id, title_en = _bilingual(head.get("title"), f"{fname}, catalogue", "title", problems)

    courses: list[Course] = []
    for n, raw_course in enumerate(_list(data.get("courses"), fname, "courses", problems), start=1):
        co = _mapping(raw_course, f"{fname}, pelatihan ke-{n}", problems)
        if co is None:
            continue
        ccode = _code(co.get("code"), f"{fname}, pelatihan ke-{n}", "code", problems)
        where = f"{fname}, pelatihan {ccode or f'ke-{n}'}"
        _unknown_fields(co, _COURSE_FIELDS, where, problems)
        if not ccode:
            problems.append(f"{where}: code tidak diisi.")
        title = _text(co.get("title"), where, "title", problems)
        provider = _text(co.get("provider"), where, "provider", problems)
        mode = _text(co.get("mode"), where, "mode", problems)
        problems.extend(
            f"{where}: {name} tidak diisi."
            for name, text in (("title", title), ("provider", provider), ("mode", mode))
            if not text.strip()
        )
        numbers: dict[str, int] = {}
        for name in ("jp", "cost_idr", "level_from", "level_to"):
            number = co.get(name)
            if not _is_int(number):
                problems.append(f"{where}: {name} harus bilangan bulat.")
                number = 0
            numbers[name] = number
        if numbers["jp"] <= 0 and _is_int(co.get("jp")):
            problems.append(f"{where}: jp harus lebih dari 0.")
        if numbers["cost_idr"] < 0:
            problems.append(f"{where}: cost_idr tidak boleh negatif.")
        if numbers["level_from"] > numbers["level_to"]:
            problems.append(f"{where}: level_from lebih tinggi dari level_to.")
        comps = [
            _code(c, where, "competences", problems)
            for c in _list(co.get("competences"), where, "competences", problems)
        ]
        if not comps:
            problems.append(f"{where}: competences tidak diisi.")
        if framework is not None:
            problems.extend(
                f"{where}: kompetensi {c} tidak ada dalam kerangka {framework.label}."
                for c in comps
                if c and framework.competence(c) is None
            )
            problems.extend(
                f"{where}: {name} {numbers[name]} tidak ada dalam kerangka {framework.label}."
                for name in ("level_from", "level_to")
                if _is_int(co.get(name)) and numbers[name] not in framework.level_numbers
            )
        courses.append(
            Course(
                code=ccode,
                title=title,
                provider=provider,
                mode=mode,
                jp=numbers["jp"],
                cost_idr=numbers["cost_idr"],
                level_from=numbers["level_from"],
                level_to=numbers["level_to"],
                competences=tuple(comps),
                description=_text(co.get("description"), where, "description", problems),
            )
        )
    for dup, count in Counter(c.code for c in courses).items():
        if dup and count > 1:
            problems.append(f"{fname}: kode pelatihan {dup} muncul {count} kali.")
    if problems:
        raise BankError(problems)
    return TrainingCatalogue(code, version, title_id, title_en, tuple(courses))
