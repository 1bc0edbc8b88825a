"""NIP (Nomor Induk Pegawai): the 18-digit number of an Indonesian civil servant.

PNS layout: ``YYYYMMDD`` birth date + ``YYYYMM`` TMT CPNS (appointment year and month) + ``S`` sex
(1 male, 2 female) + ``NNN`` serial (001-999).  PPPK numbers are 18 digits too, but their middle part
does not follow the PNS layout, so only the length is checked.

Spreadsheets are the usual source, and Excel keeps only 15 significant digits of a number: a NIP typed
into a cell formatted as a number loses its serial (the last three digits) for good.  ``normalise_nip``
recognises such values (floats, ``1.98703E+17`` strings, integers ending in ``000``) and says how to fix
the file instead of storing a wrong number.

Pure Python; messages are in Indonesian because they are shown to regional operators as they are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from frontend.dates import MONTHS as MONTHS_ID
from frontend.dates import long_date

__all__ = [
    "MONTHS_ID",
    "NIP_LENGTH",
    "NipError",
    "NipInfo",
    "format_date_id",
    "make_pns_nip",
    "normalise_nip",
    "normalise_sex",
    "parse_pns_nip",
    "validate_nip",
]

NIP_LENGTH = 18
MIN_BIRTH_YEAR = 1940
MIN_AGE_AT_BIRTH_YEAR = 17  # the youngest birth year allowed is today.year - 17
MIN_APPOINTMENT_AGE = 18

WIB = timezone(timedelta(hours=7), "WIB")


# Separators people type inside a NIP: spaces, dots, hyphens and dashes (after NFKC, so NBSP is a space).
_SEPARATORS = re.compile(r"[\s.\-\u2010\u2011\u2012\u2013\u2014_]+")
_DIGITS = re.compile(r"[0-9]+")
# 1.98703E+17, 1,98703E+17 (Indonesian decimal comma), 198703121987031E3 ...
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
# 198703121987031000.0: a number written with a decimal part (pandas, some exports).
_DECIMAL_NUMBER = re.compile(r"([0-9]{16,})[.,]0+")
_WHITESPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Excel keeps 15 significant digits; anything numeric that reaches 16 digits has lost some.
_EXCEL_DIGITS = 15

_SEX_CODES = {"1": "L", "2": "P"}
_SEX_WORDS = {
    "l": "L",
    "lk": "L",
    "laki": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "pria": "L",
    "m": "L",
    "male": "L",
    "1": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
    "f": "P",
    "female": "P",
    "2": "P",
}


class NipError(ValueError):
    """An invalid NIP.  ``code`` is a short machine code, ``str(exc)`` the Indonesian message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[NipError], tuple[str, str]]:  # picklable for Celery results
        return (type(self), (self.code, self.message))


@dataclass(frozen=True)
class NipInfo:
    birth_date: date
    appointed: tuple[int, int]  # (year, month) of TMT CPNS
    sex: str  # "L" or "P"
    serial: int


def _today(today: date | None) -> date:
    if today is not None:
        return today.date() if isinstance(today, datetime) else today
    return datetime.now(WIB).date()


def format_date_id(value: date) -> str:
    """``12 Maret 1987``."""
    return long_date(value)


def _excel_display(value: float | Decimal | int) -> str:
    """How Excel (Indonesian locale, General format) shows a big number: ``1,98703E+17``."""
    return f"{float(value):.5E}".replace(".", ",")


def _lost_digits(shown: str) -> NipError:
    return NipError(
        "lost_digits",
        f"NIP tersimpan sebagai angka oleh Excel sehingga digit terakhirnya hilang ({shown}). "
        "Format kolom NIP sebagai Teks lalu ketik ulang.",
    )


def _zero_serial() -> NipError:
    # A number Excel rounded to 15 significant digits and that was then saved as text (a CSV, a copy as
    # values) ends in 000 exactly like this; no NIP or NI PPPK has serial 000.
    return NipError(
        "serial",
        "Nomor urut dalam NIP (tiga digit terakhir) tidak boleh 000. Biasanya ini tanda NIP pernah "
        "tersimpan sebagai angka di Excel sehingga tiga digit terakhirnya hilang; format kolom NIP "
        "sebagai Teks lalu ketik ulang NIP dari sumbernya.",
    )


def _check_digits(digits: str, shown: str) -> str:
    if not _DIGITS.fullmatch(digits):
        raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {shown}).")
    if len(digits) != NIP_LENGTH:
        raise NipError("length", f"NIP harus {NIP_LENGTH} digit (tertulis {len(digits)} digit).")
    return digits


def _from_number_digits(digits: str, shown: str, *, exact: bool) -> str:
    """Digits of a value that was a number.  ``exact`` is False for floats and scientific notation,
    which never hold more than 15 significant digits; an exact 18-digit integer is kept unless it ends
    in 000 past the 15th digit (a float that went through ``int``: the serial is never 000)."""
    zero_tail = len(digits) == NIP_LENGTH and digits[_EXCEL_DIGITS:] == "000"
    if len(digits) > _EXCEL_DIGITS and (not exact or zero_tail):
        raise _lost_digits(shown)
    return _check_digits(digits, shown)


def normalise_nip(raw: object) -> str:
    """The 18-digit string of a NIP as a spreadsheet or a form gives it, or ``NipError``.

    Accepts ``str`` (spaces, dots, dashes and a leading apostrophe are dropped), ``int``, ``float``,
    ``Decimal`` and scientific-notation strings; numbers that lost digits raise code ``lost_digits``.
    """
    if raw is None:
        raise NipError("empty", "NIP wajib diisi.")
    if isinstance(raw, bool):
        raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {raw}).")
    if isinstance(raw, int):
        if raw < 0:
            raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {raw}).")
        return _from_number_digits(str(raw), _excel_display(raw) if raw >= 10**15 else str(raw), exact=True)
    if isinstance(raw, float):
        if not math.isfinite(raw) or raw < 0 or not raw.is_integer():
            raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {raw}).")
        digits = str(int(raw))
        return _from_number_digits(digits, _excel_display(raw) if len(digits) > 15 else digits, exact=False)
    if isinstance(raw, Decimal):
        if not raw.is_finite() or raw < 0 or raw != raw.to_integral_value():
            raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {raw}).")
        digits = str(int(raw))
        # Decimal("1.98703E+17") keeps its exponent: it came from scientific notation.
        exact = int(raw.as_tuple().exponent) <= 0
        return _from_number_digits(digits, _excel_display(raw) if len(digits) > 15 else digits, exact=exact)
    if not isinstance(raw, str):
        raise NipError("digits", f"NIP harus berupa {NIP_LENGTH} digit angka.")
    if len(raw) == NIP_LENGTH and raw.isascii() and raw.isdigit():
        return raw  # the usual cell (and an already normalised NIP): every step below keeps it as it is

    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if not text:
        raise NipError("empty", "NIP wajib diisi.")
    compact = _WHITESPACE.sub("", text)
    if _SCIENTIFIC.fullmatch(compact):
        try:
            value = Decimal(compact.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {text}).") from None
        if value < 0 or value != value.to_integral_value() or not 10**15 <= value < 10**19:
            raise NipError("digits", f"NIP hanya boleh berisi angka (tertulis {text}).")
        raise _lost_digits(text)
    match = _DECIMAL_NUMBER.fullmatch(compact)
    if match:
        return _from_number_digits(match.group(1), text, exact=True)
    digits = _SEPARATORS.sub("", text)
    return _check_digits(digits, text)


def normalise_sex(raw: object) -> str:
    """``"L"`` or ``"P"`` from L/P, Laki-laki/Perempuan, Pria/Wanita, 1/2 (any case), or ``NipError``."""
    key = _NOT_ALNUM.sub(" ", str(raw or "").casefold()).strip()
    try:
        return _SEX_WORDS[key]
    except KeyError:
        raise NipError(
            "sex_value", f"Jenis kelamin harus L (laki-laki) atau P (perempuan) (tertulis {raw})."
        ) from None


def parse_pns_nip(nip: object, today: date | None = None) -> NipInfo:
    """Split and check a PNS NIP: birth date, TMT CPNS, sex code and serial."""
    digits = normalise_nip(nip)
    today = _today(today)
    max_birth_year = today.year - MIN_AGE_AT_BIRTH_YEAR

    birth_text = digits[:8]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:8]))
    except ValueError:
        raise NipError("birth_date", f"Tanggal lahir dalam NIP tidak valid ({birth_text}).") from None
    if not MIN_BIRTH_YEAR <= birth.year <= max_birth_year:
        raise NipError(
            "birth_date",
            f"Tahun lahir dalam NIP ({birth.year}) di luar rentang yang wajar "
            f"({MIN_BIRTH_YEAR}-{max_birth_year}).",
        )

    tmt_text = digits[8:14]
    year, month = int(tmt_text[:4]), int(tmt_text[4:6])
    if not 1 <= month <= 12:
        raise NipError("appointment", f"Bulan TMT CPNS dalam NIP tidak valid ({tmt_text}).")
    if year > today.year:
        raise NipError("appointment", f"Tahun TMT CPNS dalam NIP ({year}) melewati tahun ini ({today.year}).")
    if year < birth.year + MIN_APPOINTMENT_AGE:
        raise NipError(
            "appointment_before_18",
            f"TMT CPNS dalam NIP ({tmt_text}) lebih awal dari usia {MIN_APPOINTMENT_AGE} tahun "
            f"(lahir {birth.year}).",
        )

    sex_code = digits[14]
    if sex_code not in _SEX_CODES:
        raise NipError("sex", f"Kode jenis kelamin dalam NIP harus 1 atau 2 (tertulis {sex_code}).")

    serial = int(digits[15:])
    if serial == 0:
        raise _zero_serial()

    return NipInfo(birth_date=birth, appointed=(year, month), sex=_SEX_CODES[sex_code], serial=serial)


def validate_nip(
    nip: object,
    status: str,
    birth_date: date | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> NipInfo | None:
    """Check a NIP for an employee of ``status`` (the codes of ``Employee.Status``).

    PNS and CPNS (a CPNS gets the NIP they keep): the full layout, and the birth date and sex when given
    must match the NIP (codes ``birth_date_mismatch`` and ``sex_mismatch``).  PPPK and PPPK Paruh Waktu
    ("PPPW"): an NI PPPK, 18 digits only; returns ``None``.
    """
    kind = str(status or "").strip().upper()
    if kind in {"PPPK", "PPPW"}:
        if normalise_nip(nip)[15:] == "000":  # an NI PPPK ends in a serial from 001 too
            raise _zero_serial()
        return None
    if kind not in {"PNS", "CPNS"}:
        raise NipError(
            "status", f"Status kepegawaian harus PNS, CPNS, PPPK atau PPPK Paruh Waktu (tertulis {status})."
        )

    info = parse_pns_nip(nip, today=today)
    if birth_date is not None:
        given = birth_date.date() if isinstance(birth_date, datetime) else birth_date
        if given != info.birth_date:
            raise NipError(
                "birth_date_mismatch",
                f"Tanggal lahir ({format_date_id(given)}) tidak sesuai dengan NIP "
                f"({format_date_id(info.birth_date)}).",
            )
    if sex is not None and str(sex).strip():
        given_sex = normalise_sex(sex)
        if given_sex != info.sex:
            words = {"L": "laki-laki", "P": "perempuan"}
            raise NipError(
                "sex_mismatch",
                f"Jenis kelamin ({given_sex}, {words[given_sex]}) tidak sesuai dengan NIP "
                f"({info.sex}, {words[info.sex]}).",
            )
    return info


def make_pns_nip(birth: date, appointed: tuple[int, int], sex: str, serial: int) -> str:
    """Build a PNS NIP (demo data and tests).  ``sex`` is L/P (or anything ``normalise_sex`` takes)."""
    year, month = appointed
    if not 1 <= month <= 12 or not 1000 <= year <= 9999:
        raise ValueError(f"invalid appointment {appointed!r}")
    if not 1 <= serial <= 999:
        raise ValueError(f"serial must be 1-999, not {serial!r}")
    code = "1" if normalise_sex(sex) == "L" else "2"
    return f"{birth:%Y%m%d}{year:04d}{month:02d}{code}{serial:03d}"
