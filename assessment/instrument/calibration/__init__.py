"""Calibrating a bank's item parameters: proposals, acceptance as a parameter version, and the versions.

Modules, by what they do:

* ``common``: flag limits, ``CalibrationError``, and how an engine result becomes a set's JSON;
* ``proposal``: one region's calibration (``propose``; ``manage.py calibrate_items`` on one region);
* ``national``: several regions' anonymous matrices calibrated together, with anchor drift, DIF and the
  link to the bank's earlier version (``propose_national``);
* ``jobs``: the operator's national calibration as a background job (choices, queue, progress);
* ``acceptance``: a proposal accepted as the bank's next parameter version (``accept``), all or nothing;
* ``versions``: which parameters a version holds, the version a figure rests on, and which versions
  compare (plain data for the benchmark).

A proposal changes nothing until it is accepted; accepting changes the items' parameters and the
bank's label, never a round's figures: rounds keep the version they were scored with until they are
explicitly re-scored under a newer one (``assessment.results.services.rescoring``).
"""

from __future__ import annotations

from assessment.instrument.calibration.acceptance import accept
from assessment.instrument.calibration.common import CalibrationError, new_label
from assessment.instrument.calibration.proposal import propose

__all__ = ["CalibrationError", "accept", "new_label", "propose"]
