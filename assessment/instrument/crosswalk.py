"""Crosswalk from DigComp 2.2 competences to the five domains of the 2025 national ASN index.

Regions report to national bodies that think in the five domains of the 2025 national ASN digital
competence index (digital skills and interaction, digital mindset, digital ethics and security,
digital public service, digital leadership), while IKD measures DigComp's five areas. The crosswalk
is framework data (``assessment/data/crosswalks/*.yaml``): each DigComp competence names the
domains it belongs to with a weight (1.0 core, 0.5 a part), and each domain says how far test items
can cover it at all (``full``, ``partial``, ``proxy``).

How a domain figure is made, and why: the measured quantities are the five area scores (each from
about twelve items, with the population model behind group figures); a competence has two to four
items on a form, too few for its own figure. So a domain figure is a *re-weighting of the area
means*: area ``a`` weighs in domain ``d`` with the sum of the weights of its competences mapped to
``d``. It is on the same 1-4 scale, it is not a separate measurement, domains overlap (a competence
may count in two), and it carries no interval of its own. The page says so beside the figures.

Pure Python (PyYAML); the loader refuses a crosswalk that leaves a competence of its framework out,
names an unknown domain or gives a weight outside (0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from assessment.instrument.files.reading import load_yaml

DIRECTORY: Final = Path(__file__).resolve().parents[1] / "data" / "crosswalks"
NATIONAL_2025: Final = "digcomp-2.2--ikd-asn-2025.yaml"
COVERAGES: Final = ("full", "partial", "proxy")


class CrosswalkError(ValueError):
    """A crosswalk file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Domain:
    code: str
    name_id: str
    name_en: str
    coverage: str  # full, partial or proxy
    note_id: str
    note_en: str


@dataclass(frozen=True)
class Crosswalk:
    code: str
    version: str
    source_framework: str  # "digcomp-2.2"
    title_id: str
    title_en: str
    basis_id: str
    basis_en: str
    domains: tuple[Domain, ...]
    mapping: Mapping[str, tuple[tuple[str, float], ...]]  # competence -> ((domain, weight), ...)

    def area_weights(self, domain: str) -> dict[str, float]:
        """Area code -> the summed weight of its competences mapped to ``domain``."""
        out: dict[str, float] = {}
        for competence, targets in self.mapping.items():
            for code, weight in targets:
                if code == domain:
                    area = competence.split(".", 1)[0]
                    out[area] = out.get(area, 0.0) + weight
        return out

    def competences_of(self, domain: str) -> tuple[str, ...]:
        return tuple(c for c, targets in self.mapping.items() if any(d == domain for d, _ in targets))


@dataclass(frozen=True)
class DomainFigure:
    domain: Domain
    mean: float | None  # on the 1-4 scale; None when no area behind it has a figure
    areas: tuple[tuple[str, float], ...]  # (area code, share of the domain figure), shares sum to 1
    competences: tuple[str, ...]


def _text(data: Any, field: str, where: str) -> tuple[str, str]:
    value = data.get(field) if isinstance(data, Mapping) else None
    if not isinstance(value, Mapping) or not value.get("id") or not value.get("en"):
        raise CrosswalkError(f"{where}: {field} needs an 'id' and an 'en' text.")
    return str(value["id"]), str(value["en"])


def parse(raw: Any, competences: Sequence[str], where: str = "crosswalk") -> Crosswalk:
    """A crosswalk from its YAML data, checked against the framework's ``competences``."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("crosswalk"), Mapping):
        raise CrosswalkError(f"{where}: the file needs a 'crosswalk' mapping at the top.")
    head = raw["crosswalk"]
    title, basis = _text(head, "title", where), _text(head, "basis", where)
    domains = []
    for n, d in enumerate(raw.get("domains") or [], start=1):
        if not isinstance(d, Mapping) or not d.get("code"):
            raise CrosswalkError(f"{where}: domain {n} has no code.")
        if d.get("coverage") not in COVERAGES:
            raise CrosswalkError(
                f"{where}: domain {d['code']}: coverage must be one of {', '.join(COVERAGES)}."
            )
        name, note = (
            _text(d, "name", f"{where}, domain {d['code']}"),
            _text(d, "note", f"{where}, domain {d['code']}"),
        )
        domains.append(Domain(str(d["code"]), name[0], name[1], str(d["coverage"]), note[0], note[1]))
    known = {d.code for d in domains}
    if len(known) != len(domains) or not domains:
        raise CrosswalkError(f"{where}: domains must be listed once each (found {len(domains)}).")
    mapping: dict[str, tuple[tuple[str, float], ...]] = {}
    raw_mapping = raw.get("mapping") or {}
    if not isinstance(raw_mapping, Mapping):
        raise CrosswalkError(f"{where}: mapping must map competence codes to domain lists.")
    for competence, targets in raw_mapping.items():
        code = str(competence)
        if code not in competences:
            raise CrosswalkError(
                f"{where}, mapping {code}: not a competence of {head.get('source_framework')}."
            )
        parsed = []
        for t in targets or []:
            domain, weight = (t or {}).get("domain"), (t or {}).get("weight")
            if domain not in known:
                raise CrosswalkError(f"{where}, mapping {code}: unknown domain {domain!r}.")
            if not isinstance(weight, int | float) or not 0 < float(weight) <= 1:
                raise CrosswalkError(f"{where}, mapping {code}: weight must be above 0 and at most 1.")
            parsed.append((str(domain), float(weight)))
        if not parsed:
            raise CrosswalkError(f"{where}, mapping {code}: names no domain.")
        mapping[code] = tuple(parsed)
    missing = [c for c in competences if c not in mapping]
    if missing:
        raise CrosswalkError(f"{where}: competences without a domain: {', '.join(missing)}.")
    empty = [d.code for d in domains if not any(d.code == t for ts in mapping.values() for t, _ in ts)]
    if empty:
        raise CrosswalkError(f"{where}: domains no competence maps to: {', '.join(empty)}.")
    return Crosswalk(
        code=str(head.get("code", "")),
        version=str(head.get("version", "")),
        source_framework=str(head.get("source_framework", "")),
        title_id=title[0],
        title_en=title[1],
        basis_id=basis[0],
        basis_en=basis[1],
        domains=tuple(domains),
        mapping=mapping,
    )


@cache
def national_2025(competences: tuple[str, ...]) -> Crosswalk:
    """The shipped crosswalk to the 2025 national domains, checked against ``competences``."""
    path = DIRECTORY / NATIONAL_2025
    return parse(load_yaml(path.read_text(encoding="utf-8")), competences, path.name)


def domain_figures(
    crosswalk: Crosswalk, area_codes: Sequence[str], area_means: Sequence[float | None]
) -> list[DomainFigure]:
    """Each domain's figure from the area means (in ``area_codes`` order), with what it rests on."""
    means = {code: m for code, m in zip(area_codes, area_means, strict=False) if m is not None}
    out = []
    for domain in crosswalk.domains:
        weights = {a: w for a, w in crosswalk.area_weights(domain.code).items() if a in means}
        total = sum(weights.values())
        shares = tuple((a, w / total) for a, w in sorted(weights.items())) if total else ()
        mean = sum(share * float(means[a]) for a, share in shares) if shares else None
        out.append(DomainFigure(domain, mean, shares, crosswalk.competences_of(domain.code)))
    return out
