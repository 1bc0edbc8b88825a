"""Labels of codes and small readers shared by the operator's calibration pages (translated once here)."""

from __future__ import annotations

import math
import re
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from assessment.instrument.models import Area, ItemBank

# The states a set (or its job) is shown in on the list.
COMPUTING, PROPOSED, ACCEPTED, FAILED = "computing", "proposed", "accepted", "failed"
STATE_LABELS = {
    COMPUTING: gettext_lazy("computing"),
    PROPOSED: gettext_lazy("proposed"),
    ACCEPTED: gettext_lazy("accepted"),
    FAILED: gettext_lazy("failed"),
}
STATE_BADGES = {COMPUTING: "trial", PROPOSED: "warn", ACCEPTED: "ok", FAILED: "suspended"}
KIND_LABELS = {
    "regional": gettext_lazy("regional"),
    "national": gettext_lazy("national"),
    "baseline": gettext_lazy("baseline (before the first calibration)"),
}
VARIABLE_LABELS = {
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age band"),
    "education": gettext_lazy("Education"),
    "region_kind": gettext_lazy("Region kind"),
}
VALUE_LABELS = {
    "sex": {"L": gettext_lazy("men"), "P": gettext_lazy("women")},
    "region_kind": {
        "provinsi": gettext_lazy("provinces"),
        "kabupaten": gettext_lazy("regencies"),
        "kota": gettext_lazy("cities"),
    },
}
REGION_KIND_LABELS = {
    "provinsi": gettext_lazy("Province"),
    "kabupaten": gettext_lazy("Regency"),
    "kota": gettext_lazy("City"),
}
MODEL_LABELS = {
    "2PL": gettext_lazy("2PL: no guessing"),
    "2PL+c": gettext_lazy("2PL+c: guessing fixed at 1/options"),
    "3PL": gettext_lazy("3PL: guessing estimated"),
}
FLAG_LABELS = {
    "anchor": gettext_lazy("anchor"),
    "misfit": gettext_lazy("misfit"),
    "drift": gettext_lazy("drift"),
    "bound": gettext_lazy("at a bound"),
    "few": gettext_lazy("few responses"),
    "sparse": gettext_lazy("a sparse category"),
}


# The steps a national run reports (calibration.jobs / national), shown in the page's language.
STEP_LABELS = {
    "queued": gettext_lazy("Waiting for a free worker."),
    "calibrating with the anchors fixed": gettext_lazy("Calibrating with the anchors fixed."),
    "calibrating freely for anchor drift and the version link": gettext_lazy(
        "Calibrating freely, for the anchor drift and the link to the earlier version."
    ),
    "screening items for DIF": gettext_lazy("Screening the items for DIF."),
    "linking to the earlier version": gettext_lazy("Linking to the earlier version."),
    "done": gettext_lazy("Done."),
}
_READING = re.compile(r"^reading round (?P<round>\d+) of (?P<region>.+)$")


def step_label(step: str) -> str:
    """A run's current step in the page's language (an unknown step as the service wrote it)."""
    if step in STEP_LABELS:
        return str(STEP_LABELS[step])
    reading = _READING.match(step)
    if reading:
        return _("Reading round %(round)s of %(region)s.") % reading.groupdict()
    return step


def _float(value: Any) -> float | None:
    """A stored number, or None for missing, null or not finite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def value_label(variable: str, value: str) -> str:
    return str(VALUE_LABELS.get(variable, {}).get(value, value))


def area_names(bank: ItemBank) -> dict[str, str]:
    english = (get_language() or "id").startswith("en")
    return {
        str(a.code): (a.name_en if english else a.name_id)
        for a in Area.objects.filter(framework=bank.framework)
    }


# --------------------------------------------------------------------------------------------- the list
