"""The groups a benchmark is broken down by: the vocabulary regions publish in and the portal shows.

Regions compute their segments (``assessment.results.services.segments``) with these keys, so the keys mean
the same in every region.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# dimension -> (label, ordered keys with their labels)
DIMENSIONS: Final[dict[str, tuple[Promise, tuple[tuple[str, Promise | str], ...]]]] = {
    # The ASN categories; "PPPW" is PPPK Paruh Waktu (part-time PPPK, since 2025). Rounds before CPNS was
    # kept apart counted CPNS as PNS.
    "status": (
        _("Employment status"),
        (("PNS", "PNS"), ("CPNS", "CPNS"), ("PPPK", "PPPK"), ("PPPW", "PPPK Paruh Waktu")),
    ),
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


# The kinds of region, as the portal names them.
KINDS: Final[tuple[tuple[str, Promise], ...]] = (
    ("provinsi", _("Province")),
    ("kabupaten", _("Regency (kabupaten)")),
    ("kota", _("City (kota)")),
)


def kind_label(kind: str) -> str:
    return str(dict(KINDS).get(kind, kind))


def label(dimension: str, key: str) -> str:
    for k, text in DIMENSIONS[dimension][1]:
        if k == key:
            return str(text)
    return key
