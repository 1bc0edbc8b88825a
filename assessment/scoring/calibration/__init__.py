"""Calibration of the item bank: MML-EM per area with guessing, groups and standard errors.

Modules: core.py (:func:`calibrate`, the design), em.py (E-step and EM cycles, groups), mstep.py
(Newton and Fisher-scoring M-steps), errors.py (standard errors), results.py (result values).
"""

from .core import Guessing, calibrate
from .results import AreaCalibration, CalibrationResult, GroupPopulation, ItemCalibration, ModelFit

__all__ = [
    "AreaCalibration",
    "CalibrationResult",
    "GroupPopulation",
    "Guessing",
    "ItemCalibration",
    "ModelFit",
    "calibrate",
]
