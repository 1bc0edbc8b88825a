"""Which scale a round's figures are reported on in the benchmark (plain data from ``scale_links``)."""

from __future__ import annotations

from typing import Any

from assessment.instrument.calibration.versions import scale_of

OLD, NEW = "ikd-nasional 2026.1", "ikd-nasional 2027.1"


def _link(version: int, holds: bool, reason: str = "") -> dict[str, Any]:
    return {
        "bank": NEW,
        "version": version,
        "anchors_hold": True,
        "broken_areas": [],
        "link": {"old_bank": OLD, "old_version": 1, "holds": holds, "reason": reason, "A": 1.0, "B": 0.1},
    }


def test_a_version_accepted_with_a_link_that_holds_reports_on_the_older_scale() -> None:
    scale, note = scale_of(NEW, 1, [_link(1, True)])
    assert scale == OLD
    assert "linked to the scale of ikd-nasional 2026.1" in note


def test_a_failed_link_keeps_the_own_scale_and_says_why() -> None:
    scale, note = scale_of(NEW, 1, [_link(1, False, "area 3: 3 common items left, 5 needed")])
    assert scale == NEW
    assert "area 3: 3 common items left" in note


def test_figures_under_another_parameter_version_are_not_moved_by_its_link() -> None:
    # Provisional figures (version 0) were not computed under the linked parameters.
    assert scale_of(NEW, 0, [_link(1, True)]) == (NEW, "")
    assert scale_of(OLD, 1, [_link(1, True)]) == (OLD, "")
