"""When a figure built from the regions that published stands for more than those regions: the coverage rule.

A national (or provincial, per kind, per group) figure is the participant-weighted mean of the regions that
chose to publish a round. Its 95% interval covers the sampling of people *within* those regions; it says
nothing about which regions published. With a handful of regions the figure describes that handful, not the
country, and a change from one year to the next mostly says that other regions published. So every figure
built from published regions carries its coverage, and a figure below the rule is

* marked "limited coverage" (*cakupan terbatas*) wherever it is shown: the portal's pages, a region's own
  benchmark page, the CSV/XLSX download and the JSON API (``limited`` on every figure, and the rule itself
  under ``coverage_rule``);
* not drawn into the national trend as if comparable: its point stands apart (hollow, not joined), and the
  line joins only consecutive years that both meet the rule.

The rule: at least ``MIN_REGIONS`` regions and ``MIN_PEOPLE`` people. Ten regions is about 2% of the
552; with fewer, each region is more than a tenth of the figure's regions, so one region's decision to
publish or withdraw reshapes it, and the figure is a few regions' result rather than a national one. A
thousand people keeps the figure from resting on a few small regions (every published region has at least
ten participants, the disclosure rule's minimum, so ten tiny regions would otherwise pass). Both thresholds
are constants here and stated on the pages, so a reader can tell exactly why a figure is marked. The rule is
decided in one place, ``assess``, called where figures are built (``national.weighted`` and the segment sums
in ``benchmark.services.national``); pages, downloads and the API read the resulting ``limited`` flag.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_REGIONS = 10
MIN_PEOPLE = 1_000


@dataclass(frozen=True)
class Coverage:
    """How many regions and people a figure stands on, and whether that meets the rule."""

    regions: int
    people: int

    @property
    def limited(self) -> bool:
        return self.regions < MIN_REGIONS or self.people < MIN_PEOPLE


def assess(regions: int, people: int) -> Coverage:
    return Coverage(regions, people)


def limited(regions: int, people: int) -> bool:
    """Whether a figure from ``regions`` regions and ``people`` people has limited coverage."""
    return assess(regions, people).limited


def rule() -> dict[str, int]:
    """The rule as data, for the API and the downloads."""
    return {"min_regions": MIN_REGIONS, "min_people": MIN_PEOPLE}
