"""What a round's figures rest on: provisional item parameters, or a calibration (when, on how many).

Every results page, report, export and benchmark page says it, so nobody reads a figure built on
expert-set difficulties as if it were measured on national data. The basis is captured when a round
is scored (``ScoringRun.parameters``), so a later calibration does not relabel earlier figures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from assessment.instrument.models import ItemBank, ParameterSet

PROVISIONAL = "provisional"


@dataclass(frozen=True)
class ParameterBasis:
    status: str  # "provisional" or "calibrated"
    label: str
    calibrated_on: str = ""  # ISO date the calibration was accepted
    sample: int = 0  # persons in the calibration

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
        .order_by("-accepted_at")
        .first()
    )
    if accepted is None:  # a label without its set (loaded from a file): say so rather than guess
        return ParameterBasis("calibrated", bank.parameters)
    sample = max((int(area.get("persons", 0) or 0) for area in accepted.areas), default=0)
    on = accepted.accepted_at.date().isoformat() if accepted.accepted_at else ""
    return ParameterBasis("calibrated", bank.parameters, on, sample)
