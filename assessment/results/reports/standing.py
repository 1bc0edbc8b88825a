"""Where a round stands among regions, for the report's executive summary: read from the national
benchmark as published, never computed from other regions' own data.

The report compares what the region itself sent for this round (its ``Publication``), so that the
standing printed for a Bupati is the one the national portal shows. It says why there is no standing
rather than invent one:

* the round was never sent to the benchmark (publishing is the region's explicit choice), or was
  withdrawn;
* the publication was suppressed (too few participants to publish figures);
* too few regions or people published for the same instrument and year, for the country or for the
  province: the benchmark's coverage rule (``benchmark.coverage``, the one the national pages apply)
  decides; a rank among three regions says nothing a Bupati should act on.

Simulated regions (the demo's) and regions on provisional parameters are counted, so the sentence can
say what the comparison rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.results.services import publishing
from assessment.rounds.models import Round
from benchmark import coverage
from benchmark.models import Publication
from benchmark.services import national
from tenants.models import Region


@dataclass(frozen=True)
class Place:
    """The region among ``regions`` regions (itself included): its rank (1 is the highest index), the
    share of the others below it, and the participant-weighted mean of them all."""

    regions: int
    rank: int
    above_share: float  # share of the other regions with a lower index (ties count half)
    mean: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Standing:
    published: bool
    reason: str  # why there is no standing, in Indonesian ("" when there is one)
    period: int | None = None
    mean: float | None = None  # this round's published index
    national: Place | None = None
    national_regions: int = 0  # regions with figures for the instrument and year, this one included
    national_people: int = 0
    province_name: str = ""
    province: Place | None = None
    province_regions: int = 0
    province_people: int = 0
    simulated_regions: int = 0  # of the national regions
    provisional_regions: int = 0
    own_simulated: bool = False
    area_means: tuple[float | None, ...] = ()  # national participant-weighted area means


def _place(mean: float, others: list[national.RegionRow], own: national.RegionRow) -> Place:
    below = sum(1.0 for r in others if r.mean < mean) + 0.5 * sum(1.0 for r in others if r.mean == mean)
    figure = national.weighted("", "", [*others, own])
    return Place(
        regions=len(others) + 1,
        rank=1 + sum(1 for r in others if r.mean > mean),
        above_share=below / len(others) if others else 0.0,
        mean=figure.mean,
        ci_low=figure.ci_low,
        ci_high=figure.ci_high,
    )


def standing(round_: Round, region: Region) -> Standing:
    publication = Publication.objects.filter(
        region_code=region.code, round_key=publishing.round_key(round_)
    ).first()
    if publication is None:
        return Standing(
            False,
            "Ronde ini belum dikirim ke tolok ukur nasional (atau sudah ditarik), sehingga posisi "
            "nasional dan provinsi belum dapat ditunjukkan.",
        )
    if publication.suppressed or publication.mean is None:
        return Standing(
            True,
            "Peserta ronde ini terlalu sedikit untuk diterbitkan di tolok ukur nasional, sehingga posisi "
            "nasional dan provinsi tidak ditunjukkan.",
            period=publication.period,
            own_simulated=publication.simulated,
        )
    rows = national.regions(national.resolve(publication.instrument, publication.period))
    others = [r for r in rows if r.code != region.code]
    own = national.RegionRow(
        code=region.code,
        name=region.name,
        kind=publication.kind,
        province_code=publication.province_code,
        province_name=publication.province_name,
        publication=publication.pk,
        round_name=publication.round_name,
        held_on=publication.held_on.isoformat(),
        participants=publication.participants or 0,
        eligible=publication.eligible,
        mean=publication.mean,
        ci_low=publication.ci_low if publication.ci_low is not None else publication.mean,
        ci_high=publication.ci_high if publication.ci_high is not None else publication.mean,
        area_means=list(publication.area_means),
        simulated=publication.simulated,
        provisional=(publication.parameters or {}).get("status") != "calibrated",
    )
    in_province = [r for r in others if r.province_code == region.province_code]
    people = sum(r.participants for r in others) + own.participants
    province_people = sum(r.participants for r in in_province) + own.participants
    nat = None if coverage.limited(len(others) + 1, people) else _place(publication.mean, others, own)
    prov = (
        None
        if region.kind == Region.Kind.PROVINSI or coverage.limited(len(in_province) + 1, province_people)
        else _place(publication.mean, in_province, own)
    )
    weighted = national.weighted("", "", [*others, own])
    return Standing(
        True,
        "",
        period=publication.period,
        mean=publication.mean,
        national=nat,
        national_regions=len(others) + 1,
        national_people=people,
        # A province is compared with the country only: the regions "in its province" are its own kabupaten.
        province_name="" if region.kind == Region.Kind.PROVINSI else region.province_name,
        province=prov,
        province_regions=len(in_province) + 1,
        province_people=province_people,
        simulated_regions=sum(1 for r in others if r.simulated),
        provisional_regions=sum(1 for r in [*others, own] if r.provisional),
        own_simulated=publication.simulated,
        area_means=tuple(weighted.area_means) if nat is not None else (),
    )
