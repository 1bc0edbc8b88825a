"""The groups results are compared by: the segments of a person at the time of a round."""

from __future__ import annotations

from datetime import date
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# dimension -> (label, ordered keys with their labels)
DIMENSIONS: Final[dict[str, tuple[Promise, tuple[tuple[str, Promise | str], ...]]]] = {
    "status": (_("Employment status"), (("PNS", "PNS"), ("PPPK", "PPPK"))),
    "position_type": (
        _("Position type"),
        (("struktural", _("Structural")), ("fungsional", _("Functional")), ("pelaksana", _("Executive"))),
    ),
    "rank_group": (
        _("Rank group"),
        (
            ("I", _("PNS group I")),
            ("II", _("PNS group II")),
            ("III", _("PNS group III")),
            ("IV", _("PNS group IV")),
            ("PPPK", "PPPK"),
            ("", _("Not recorded")),
        ),
    ),
    "age_band": (
        _("Age"),
        (
            ("<30", _("under 30")),
            ("30-39", "30–39"),
            ("40-49", "40–49"),
            ("50+", _("50 and over")),
            ("", _("Not recorded")),
        ),
    ),
    "sex": (_("Sex"), (("L", _("Male")), ("P", _("Female")))),
    "education": (
        _("Education"),
        (
            ("SMA-", _("Secondary school or lower")),
            ("D1-D3", "D1–D3"),
            ("S1/D4", "S1/D4"),
            ("S2", "S2"),
            ("S3", "S3"),
            ("", _("Not recorded")),
        ),
    ),
}


def rank_group(status: str, rank: str) -> str:
    if status == "PPPK":
        return "PPPK"
    return rank.split("/")[0] if rank else ""


def age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return ""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < 30:
        return "<30"
    if age < 40:
        return "30-39"
    if age < 50:
        return "40-49"
    return "50+"


def education_group(level: str) -> str:
    return {
        "SD": "SMA-",
        "SMP": "SMA-",
        "SMA/SMK": "SMA-",
        "D1": "D1-D3",
        "D2": "D1-D3",
        "D3": "D1-D3",
        "D4": "S1/D4",
        "S1": "S1/D4",
        "S2": "S2",
        "S3": "S3",
    }.get(level, "")


def label(dimension: str, key: str) -> str:
    for k, text in DIMENSIONS[dimension][1]:
        if k == key:
            return str(text)
    return key
