"""Rows of the calibration list and the new-calibration page: sets per bank, regions, their rounds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.instrument.models import ItemBank, ParameterSet
from assessment.instrument.operator_report.labels import (
    ACCEPTED,
    COMPUTING,
    FAILED,
    KIND_LABELS,
    PROPOSED,
    REGION_KIND_LABELS,
    STATE_BADGES,
    STATE_LABELS,
    step_label,
)


@dataclass(frozen=True)
class SetRow:
    """One line of the list: a parameter set, or a calibration job that has none (yet)."""

    state: str
    set_id: int | None
    job_id: int | None
    label: str
    version: int | None
    kind: str
    persons: int
    regions: int
    rounds: int
    created_at: Any
    accepted_at: Any = None
    accepted_by: str = ""
    failure: str = ""
    step: str = ""

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def badge(self) -> str:
        return STATE_BADGES.get(self.state, "closed")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


def _set_state(parameter_set: ParameterSet) -> str:
    return ACCEPTED if parameter_set.accepted_at is not None else PROPOSED


def set_row(parameter_set: ParameterSet) -> SetRow:
    sources = list(parameter_set.sources or [])
    return SetRow(
        state=_set_state(parameter_set),
        set_id=parameter_set.pk,
        job_id=None,
        label=parameter_set.label,
        version=parameter_set.version,
        kind=parameter_set.kind,
        persons=_persons(parameter_set),
        regions=len({s.get("region") for s in sources}),
        rounds=len({(s.get("region"), s.get("round")) for s in sources}),
        created_at=parameter_set.created_at,
        accepted_at=parameter_set.accepted_at,
        accepted_by=parameter_set.accepted_by,
    )


def job_row(job: Any) -> SetRow:
    """A job still computing, or failed (a finished job shows as its parameter set)."""
    choices = list(job.choices or [])
    failed = job.state == "failed"
    return SetRow(
        state=FAILED if failed else COMPUTING,
        set_id=None,
        job_id=job.pk,
        label="",
        version=None,
        kind="national",
        persons=0,
        regions=len({c.get("region") for c in choices}),
        rounds=len(choices),
        created_at=job.created_at,
        failure=job.failure if failed else "",
        step=step_label(job.step or ""),
    )


def _persons(parameter_set: ParameterSet) -> int:
    return parameter_set.persons


@dataclass(frozen=True)
class BankSection:
    bank: ItemBank
    current: Any  # versions.ParameterVersion
    rows: tuple[SetRow, ...]


def bank_sections(
    banks: Iterable[ItemBank], sets: Iterable[ParameterSet], jobs: Iterable[Any], current: Mapping[int, Any]
) -> list[BankSection]:
    """Per bank: its jobs without a set and its parameter sets, newest first."""
    by_bank: dict[int, list[SetRow]] = defaultdict(list)
    for job in jobs:
        if job.state != "done" or job.parameter_set_id is None:
            by_bank[job.bank_id].append(job_row(job))
    for parameter_set in sets:
        by_bank[parameter_set.bank_id].append(set_row(parameter_set))
    sections = []
    for bank in banks:
        rows = sorted(by_bank.get(bank.pk, []), key=lambda r: r.created_at, reverse=True)
        if rows or bank.locked_at is not None:
            sections.append(BankSection(bank, current.get(bank.pk), tuple(rows)))
    return sections


@dataclass(frozen=True)
class ContributingRegion:
    code: str
    name: str
    kind: str
    rounds: int
    persons: int
    since: Any = None

    @property
    def kind_label(self) -> str:
        return str(REGION_KIND_LABELS.get(self.kind, self.kind))


def contributing_regions(regions: Iterable[Any], options: Iterable[Any]) -> list[ContributingRegion]:
    """The consenting regions with their closed rounds: counts only."""
    rounds: dict[str, int] = defaultdict(int)
    persons: dict[str, int] = defaultdict(int)
    for option in options:
        rounds[option.region_code] += 1
        persons[option.region_code] += option.persons
    return [
        ContributingRegion(
            r.code,
            r.name,
            str(r.kind),
            rounds[r.code],
            persons[r.code],
            getattr(r, "calibration_consent_changed_at", None),
        )
        for r in regions
    ]


# ------------------------------------------------------------------------------------- choosing rounds


@dataclass(frozen=True)
class RoundRow:
    option: Any  # national.RoundOption
    value: str  # the checkbox's value
    checked: bool

    @property
    def element_id(self) -> str:
        return "round-" + self.value.replace(".", "-").replace(":", "-")


@dataclass(frozen=True)
class RegionRounds:
    code: str
    name: str
    kind: str
    rounds: tuple[RoundRow, ...]

    @property
    def kind_label(self) -> str:
        return str(REGION_KIND_LABELS.get(self.kind, self.kind))


def option_value(option: Any) -> str:
    return f"{option.region_code}:{option.round_id}"


def rounds_by_region(options: Sequence[Any], chosen: Iterable[str] = ()) -> list[RegionRounds]:
    """The rounds to choose from, grouped by region (regions by name, rounds as the service lists them)."""
    wanted = set(chosen)
    grouped: dict[str, list[RoundRow]] = defaultdict(list)
    names: dict[str, tuple[str, str]] = {}
    for option in options:
        value = option_value(option)
        grouped[option.region_code].append(RoundRow(option, value, value in wanted))
        names[option.region_code] = (option.region_name, str(option.region_kind))
    return [
        RegionRounds(code, names[code][0], names[code][1], tuple(grouped[code]))
        for code in sorted(grouped, key=lambda c: names[c][0])
    ]


# -------------------------------------------------------------------------------------------- the report
