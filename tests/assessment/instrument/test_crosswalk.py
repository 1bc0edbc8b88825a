"""The DigComp 2.2 -> 2025 national domains crosswalk: complete, checked, and computed from area means."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from assessment.instrument import crosswalk, files

FRAMEWORK = crosswalk.DIRECTORY.parent / "frameworks" / "digcomp-2.2.yaml"


@pytest.fixture(scope="module")
def competences() -> tuple[str, ...]:
    return tuple(sorted(c.code for c in files.load_framework(FRAMEWORK).competences))


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load((crosswalk.DIRECTORY / crosswalk.NATIONAL_2025).read_text(encoding="utf-8"))


def test_every_competence_maps_and_every_domain_is_reached(competences: tuple[str, ...]) -> None:
    cw = crosswalk.national_2025(competences)
    assert [d.code for d in cw.domains] == ["KID", "PPD", "EKD", "PLD", "KPD"]
    assert set(cw.mapping) == set(competences)
    for domain in cw.domains:
        assert cw.competences_of(domain.code)
    # Leadership is not a DigComp competence: the file must not claim to measure it fully.
    assert {d.code: d.coverage for d in cw.domains}["KPD"] == "proxy"


def test_a_domain_figure_reweights_the_area_means(competences: tuple[str, ...]) -> None:
    cw = crosswalk.national_2025(competences)
    figures = {
        f.domain.code: f
        for f in crosswalk.domain_figures(cw, ["1", "2", "3", "4", "5"], [1.0, 2.0, 3.0, 4.0, 2.5])
    }
    ethics = figures["EKD"]  # 2.5, 2.6 (area 2), 3.3 (area 3), 4.1-4.3 and half of 4.4 (area 4)
    assert dict(ethics.areas) == pytest.approx({"2": 2 / 6.5, "3": 1 / 6.5, "4": 3.5 / 6.5})
    assert ethics.mean == pytest.approx((2 * 2.0 + 1 * 3.0 + 3.5 * 4.0) / 6.5)
    for figure in figures.values():
        assert sum(share for _, share in figure.areas) == pytest.approx(1.0)
        assert 1.0 <= (figure.mean or 0) <= 4.0
    # An area without a figure drops out and the rest carry the domain.
    partial = crosswalk.domain_figures(cw, ["1", "2", "3", "4", "5"], [None, None, None, 3.0, None])
    assert {f.domain.code: f.mean for f in partial}["EKD"] == pytest.approx(3.0)
    assert {f.domain.code: f.mean for f in partial}["KID"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["mapping"].pop("4.2"), "competences without a domain: 4.2"),
        (
            lambda r: r["mapping"].__setitem__("4.2", [{"domain": "XYZ", "weight": 1.0}]),
            "unknown domain 'XYZ'",
        ),
        (
            lambda r: r["mapping"].__setitem__("4.2", [{"domain": "EKD", "weight": 1.5}]),
            "weight must be above 0",
        ),
        (
            lambda r: r["mapping"].__setitem__("9.9", [{"domain": "EKD", "weight": 1.0}]),
            "mapping 9.9: not a competence",
        ),
        (lambda r: r["domains"][0].__setitem__("coverage", "most"), "coverage must be one of"),
    ],
)
def test_a_broken_crosswalk_is_refused_with_the_place(
    raw: dict[str, Any], competences: tuple[str, ...], change: Any, message: str
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(raw))
    change(broken)
    with pytest.raises(crosswalk.CrosswalkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        crosswalk.parse(broken, competences, "test.yaml")
