"""JP (jam pelajaran, 45 minutes) completed per employee and calendar year, against the 20 owed.

Every ASN is owed at least 20 JP of competence development a year (PP 11/2017 as amended by PP 17/2020,
art. 203; PermenPANRB 38/2017 and LAN's rules on pengembangan kompetensi). A training counts in the
calendar year of its completion date (``TrainingRecord.completed_on``), whatever its source. Sums are
exact decimals: JP come in halves on some certificates.

Runs in the current region schema (the caller's tenant), like every tenant query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from assessment.training.models import TrainingRecord

__all__ = ["REQUIRED_JP_PER_YEAR", "YearHours", "jp_by_employee", "year_hours"]

REQUIRED_JP_PER_YEAR = 20
ZERO = Decimal("0")


def jp_by_employee(year: int, employee_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Employee id -> JP completed in ``year``.

    With ``employee_ids`` every id given is a key (``Decimal(0)`` when nothing was completed); without,
    only the employees with at least one record that year are keys (a missing key means 0).
    """
    records = TrainingRecord.objects.filter(completed_on__year=year)
    wanted: list[int] | None = None
    if employee_ids is not None:
        wanted = list(dict.fromkeys(employee_ids))
        if not wanted:
            return {}
        records = records.filter(employee_id__in=wanted)
    totals = {
        row["employee_id"]: row["total"]
        for row in records.values("employee_id").annotate(total=Sum("jp")).order_by()
    }
    if wanted is None:
        return totals
    return {pk: totals.get(pk, ZERO) for pk in wanted}


@dataclass(frozen=True)
class YearHours:
    """One employee's year: what the result page shows."""

    year: int
    jp: Decimal
    required: int
    records: tuple[TrainingRecord, ...]

    @property
    def met(self) -> bool:
        return self.jp >= self.required

    @property
    def percent(self) -> int:
        """Progress toward the requirement, 0..100 (a bar does not run past full)."""
        return min(100, int(self.jp * 100 / self.required))


def year_hours(employee_id: int, year: int) -> YearHours:
    records = tuple(
        TrainingRecord.objects.filter(employee_id=employee_id, completed_on__year=year).order_by(
            "completed_on", "id"
        )
    )
    return YearHours(
        year=year,
        jp=sum((r.jp for r in records), ZERO),
        required=REQUIRED_JP_PER_YEAR,
        records=records,
    )
