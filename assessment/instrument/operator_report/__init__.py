"""What the operator's calibration pages show, read from the stored parameter sets (plain rows, no logic).

The national helper's services compute and store everything (``assessment.instrument.calibration``):
a :class:`ParameterSet` keeps its sources, estimates, standard errors, model choice, drift report, DIF
report and version link as JSON. This module only turns that JSON into frozen rows a template can print,
so the templates hold no lookups and the pages can be tested without running a calibration.

Design choices and their reasons:

* Every figure keeps what it rests on next to it (persons, regions, rounds, group sizes); the report
  never names a person: the sources are rounds and counts, the DIF groups are sizes.
* A missing value stays ``None`` (the template prints "–"), never 0: an anchor's fixed parameter has no
  standard error, an area without guessing has no c.
* Labels of codes (region kinds, sex, DIF variables, model names) are translated here, once.
* Reading tolerates older sets (regional ones made before issue #17, without models/drift/DIF): their
  sections say "not computed for this set" instead of failing.
"""

from assessment.instrument.operator_report.labels import step_label
from assessment.instrument.operator_report.lists import (
    bank_sections,
    contributing_regions,
    option_value,
    rounds_by_region,
)
from assessment.instrument.operator_report.proposal import Report, report

__all__ = [
    "Report",
    "bank_sections",
    "contributing_regions",
    "option_value",
    "report",
    "rounds_by_region",
    "step_label",
]
