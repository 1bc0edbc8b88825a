"""What a round's figures rest on: provisional item parameters, or a calibration (when, on how many).

Every results page, report, export and benchmark page says it, so nobody reads a figure built on
expert-set difficulties as if it were measured on national data. The basis is captured when a round
is scored (``ScoringRun.parameters``), so a later calibration does not relabel earlier figures.

The basis also names the parameter version (``set_id``, ``version``; see
``assessment.instrument.calibration.versions``): a round is scored again under the version its basis
names, so its figures stay reproducible, until it is explicitly re-scored under a newer one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from assessment.instrument.calibration.versions import ParameterVersion, current
from assessment.instrument.models import ItemBank, ParameterSet

PROVISIONAL = "provisional"


@dataclass(frozen=True)
class ParameterBasis:
    status: str  # "provisional" or "calibrated"
    label: str
    calibrated_on: str = ""  # ISO date the calibration was accepted
    sample: int = 0  # persons in the calibration
    set_id: int | None = None  # the accepted ParameterSet scored with (None: the items' own parameters)
    version: int = 0  # the bank's parameter version (0: before the first calibration)
    bank: str = ""  # "code version" of the bank scored with: with ``version``, the scale (versions.ScaleKey)

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ParameterBasis:
        if not data:
            return cls(PROVISIONAL, PROVISIONAL)
        return cls(
            str(data.get("status", PROVISIONAL)),
            str(data.get("label", "")),
            str(data.get("calibrated_on", "")),
            int(data.get("sample", 0) or 0),
            int(data["set_id"]) if data.get("set_id") else None,
            int(data.get("version", 0) or 0),
            str(data.get("bank", "") or ""),
        )

    def sentence(self) -> str:
        """One sentence for pages, reports and exports (in the active language)."""
        if self.provisional:
            return _(
                "Item parameters are provisional: difficulties set by the item authors, not yet "
                "calibrated on response data. Compare figures with care."
            )
        return _(
            "Item parameters calibrated on response data of %(n)s persons (accepted %(date)s, set %(label)s)."
        ) % {"n": f"{self.sample:,}".replace(",", "."), "date": self.calibrated_on, "label": self.label}


def parameter_basis(bank: ItemBank) -> ParameterBasis:
    """The basis of the bank's current parameters."""
    if bank.parameters == PROVISIONAL:
        return ParameterBasis(PROVISIONAL, PROVISIONAL)
    accepted = (
        ParameterSet.objects.filter(bank=bank, label=bank.parameters, accepted_at__isnull=False)
        .exclude(kind=ParameterSet.Kind.BASELINE)
        .order_by("-accepted_at")
        .first()
    )
    if accepted is None:  # a label without its set (loaded from a file): say so rather than guess
        return ParameterBasis("calibrated", bank.parameters)
    sample = max((int(area.get("persons", 0) or 0) for area in accepted.areas), default=0)
    on = accepted.accepted_at.date().isoformat() if accepted.accepted_at else ""
    return ParameterBasis("calibrated", bank.parameters, on, sample)


def version_basis(bank: ItemBank, version: ParameterVersion | None = None) -> ParameterBasis:
    """The basis of a parameter version of the bank (default: its current one), naming the version
    and the bank, so a figure says which scale it is on."""
    version = current(bank) if version is None else version
    return replace(
        _basis_of(bank, version),
        set_id=version.set_id,
        version=version.version,
        bank=f"{bank.code} {bank.version}",
    )


def _basis_of(bank: ItemBank, version: ParameterVersion) -> ParameterBasis:
    if version.provisional:
        return ParameterBasis(PROVISIONAL, PROVISIONAL)
    if version.kind == "baseline":  # a label loaded from a file, kept when the first version came
        return ParameterBasis("calibrated", version.label)
    if version.set_id is None:
        return (
            parameter_basis(bank)
            if version.label == bank.parameters
            else ParameterBasis("calibrated", version.label)
        )
    return ParameterBasis("calibrated", version.label, version.accepted_on, version.persons)
