"""The NPWP (Indonesian taxpayer number) of a billing profile: what is accepted, how it is kept and shown.

Two forms are in use: the old 15-digit NPWP, printed ``01.234.567.8-901.000``, and the 16-digit NPWP
(since 2024: the NIK for residents, or ``0`` + the 15 digits for entities), printed as four groups of four.
People paste either with or without punctuation, so the check strips dots, dashes and spaces and counts
the digits; only the digits are stored, and ``display`` puts the grouping back.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s.\-]+")


class NpwpError(ValueError):
    pass


def normalise(value: str) -> str:
    """The digits of ``value``; raises ``NpwpError`` (a translated message) unless 15 or 16 digits."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits.isdigit():
        raise NpwpError(_("An NPWP holds digits only (dots, dashes and spaces are allowed)."))
    if len(digits) not in (15, 16):
        raise NpwpError(_("An NPWP has 15 or 16 digits; this one has %(count)s.") % {"count": len(digits)})
    return digits


def display(digits: str) -> str:
    """``01.234.567.8-901.000`` for 15 digits, ``0012 3456 7890 1000`` for 16; anything else as it is."""
    if len(digits) == 15 and digits.isdigit():
        d = digits
        return f"{d[0:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:15]}"
    if len(digits) == 16 and digits.isdigit():
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits
