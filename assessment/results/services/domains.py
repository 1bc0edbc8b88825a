"""The secondary view of a round's results in the five national 2025 domains (see
``assessment.instrument.crosswalk`` for how a domain figure is made and what it cannot say)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from assessment.instrument.crosswalk import DomainFigure, domain_figures, national_2025
from assessment.results.services.reading import Framework


@dataclass(frozen=True)
class DomainRow:
    code: str
    name: str
    mean: float | None
    coverage: str
    note: str
    rests_on: str  # "Area 1 40 %, area 2 35 % ..." in the page's language


@dataclass(frozen=True)
class DomainView:
    title: str
    basis: str
    rows: tuple[DomainRow, ...]


def _row(figure: DomainFigure, area_names: dict[str, str], english: bool) -> DomainRow:
    d = figure.domain
    parts = [f"{area_names.get(a, a)} {round(share * 100)}%" for a, share in figure.areas]
    return DomainRow(
        code=d.code,
        name=d.name_en if english else d.name_id,
        mean=figure.mean,
        coverage=d.coverage,
        note=d.note_en if english else d.note_id,
        rests_on=", ".join(parts),
    )


def national_domains(framework: Framework, area_means: list[float | None] | None) -> DomainView | None:
    """The region's area means re-weighted into the national domains; None without area figures or
    when the round's framework is not the one the crosswalk starts from."""
    if not area_means or not any(m is not None for m in area_means):
        return None
    competences = tuple(sorted(framework.competences))
    try:
        crosswalk = national_2025(competences)
    except ValueError:  # another framework (e.g. a DigComp 3.0 bank): the crosswalk does not apply
        return None
    english = (get_language() or "id").startswith("en")
    codes = [code for code, _ in framework.areas]
    names = dict(framework.areas)
    rows = tuple(_row(f, names, english) for f in domain_figures(crosswalk, codes, area_means))
    return DomainView(
        title=crosswalk.title_en if english else crosswalk.title_id,
        basis=crosswalk.basis_en if english else crosswalk.basis_id,
        rows=rows,
    )
