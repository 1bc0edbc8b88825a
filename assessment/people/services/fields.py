"""Parsing one register value: golongan, education, position type, dates, phone numbers, email.

Messages are Indonesian: they describe cells of Indonesian staff files to the admin who fixes them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from frontend.dates import MONTHS as MONTHS_ID


class FieldError(ValueError):
    pass


_SPACE_RUNS = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^a-z0-9/]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def text(value: object) -> str:
    if type(value) is str and value.isprintable() and "  " not in value:
        return value.strip()  # the usual cell, as below, without the checks of other types
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raw = str(value)
    if raw.isprintable() and "  " not in raw:  # the usual cell (tabs, line breaks, odd spaces are not)
        return raw.strip()
    return _SPACE_RUNS.sub(" ", raw.replace("\u00a0", " ")).strip()


def _key(value: object) -> str:
    return _NOT_KEY.sub(" ", text(value).casefold()).strip()


# Status as registers write it (SIASN, SIMPEG, hand-made files), spaces and punctuation removed. CPNS is its
# own category: a candidate on probation is not yet a PNS (and was stored as PNS before, unrecoverably).
_STATUS = {
    "pns": "PNS",
    "pegawainegerisipil": "PNS",
    "cpns": "CPNS",
    "calonpns": "CPNS",
    "calonpegawainegerisipil": "CPNS",
    "pppk": "PPPK",
    "p3k": "PPPK",
    "pppkpenuhwaktu": "PPPK",
    "pegawaipemerintahdenganperjanjiankerja": "PPPK",
    "pppkparuhwaktu": "PPPW",
    "p3kparuhwaktu": "PPPW",
    "pppkpw": "PPPW",
    "p3kpw": "PPPW",
    "pppw": "PPPW",
    "paruhwaktu": "PPPW",
}
# Statuses whose number is a NIP in the PNS layout and whose rank is a golongan (I/a to IV/e); the
# others (PPPK, PPPK Paruh Waktu) have an NI PPPK and a grade (I to XVII).
PNS_LAYOUT = frozenset({"PNS", "CPNS"})
STATUS_CHOICES_TEXT = "PNS, CPNS, PPPK atau PPPK Paruh Waktu"


def employment_status(value: object) -> str:
    key = _NOT_ALNUM.sub("", text(value).casefold())
    if key in _STATUS:
        return _STATUS[key]
    raise FieldError(f"Status kepegawaian harus {STATUS_CHOICES_TEXT} (tertulis “{text(value)}”).")


_POSITION_TYPES = {
    "struktural": "struktural",
    "jabatan struktural": "struktural",
    "js": "struktural",
    "pimpinan tinggi": "struktural",
    "pimpinan tinggi pratama": "struktural",
    "pimpinan tinggi madya": "struktural",
    "jpt": "struktural",
    "administrator": "struktural",
    "pengawas": "struktural",
    "fungsional": "fungsional",
    "jabatan fungsional": "fungsional",
    "fungsional tertentu": "fungsional",
    "jft": "fungsional",
    "jf": "fungsional",
    "pelaksana": "pelaksana",
    "jabatan pelaksana": "pelaksana",
    "fungsional umum": "pelaksana",
    "jfu": "pelaksana",
}


def position_type(value: object) -> str:
    key = _key(value)
    if key in _POSITION_TYPES:
        return _POSITION_TYPES[key]
    # Registers write the official names too: "Jabatan Fungsional Tertentu", "Jabatan Pimpinan Tinggi".
    if key.startswith("jabatan ") and (plain := key.removeprefix("jabatan ")) in _POSITION_TYPES:
        return _POSITION_TYPES[plain]
    hint = (
        " Jabatan Administrasi mencakup struktural (administrator, pengawas) dan pelaksana: "
        "tulis salah satunya."
        if key.removeprefix("jabatan ") == "administrasi"
        else ""
    )
    raise FieldError(
        f"Jenis jabatan harus Struktural, Fungsional atau Pelaksana (tertulis “{text(value)}”).{hint}"
    )


_ROMAN = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII".split()  # noqa: SIM905
_PNS_RANK = re.compile(r"^(IV|III|II|I|4|3|2|1)\s*[/\-.\s]?\s*([a-e])$", re.IGNORECASE)
_PNS_TOP = {"I": "d", "II": "d", "III": "d", "IV": "e"}
_RANK_PREFIX = re.compile(r"^(gol(ongan)?|grade|golongan ruang)\.?\s*", re.IGNORECASE)
# A golongan written with its rank name: "Penata Muda (III/a)", "Penata Muda, III/a", "III/a Penata Muda".
# Only the slash form is looked for inside other words (a bare "a" or "I" is too common in names).
_PNS_RANK_INSIDE = re.compile(r"(?<![A-Za-z])(IV|III|II|I)\s*/\s*([a-e])(?![A-Za-z])", re.IGNORECASE)


def rank(value: object, status: str) -> str:
    """PNS and CPNS: golongan I/a to IV/e. PPPK (both kinds): grade I to XVII (Roman or Arabic)."""
    raw = text(value)
    if not raw:
        return ""
    cleaned = _RANK_PREFIX.sub("", raw)
    if status in PNS_LAYOUT:
        match = _PNS_RANK.match(cleaned)
        if match is None and len(inside := _PNS_RANK_INSIDE.findall(cleaned)) == 1:
            match = _PNS_RANK.match("/".join(inside[0]))
        if match:
            group = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(match.group(1), match.group(1).upper())
            letter = match.group(2).lower()
            if letter <= _PNS_TOP[group]:
                return f"{group}/{letter}"
        raise FieldError(f"Golongan {status} harus antara I/a dan IV/e (tertulis “{raw}”).")
    upper = cleaned.upper()
    if upper in _ROMAN:
        return upper
    if upper.isdigit() and 1 <= int(upper) <= 17:
        return _ROMAN[int(upper) - 1]
    raise FieldError(f"Golongan PPPK harus antara I dan XVII (tertulis “{raw}”).")


EDUCATION_LEVELS = ["SD", "SMP", "SMA/SMK", "D1", "D2", "D3", "D4", "S1", "S2", "S3"]
_EDUCATION = {
    "sd": "SD",
    "sekolah dasar": "SD",
    "smp": "SMP",
    "sltp": "SMP",
    "mts": "SMP",
    "sma": "SMA/SMK",
    "smk": "SMA/SMK",
    "slta": "SMA/SMK",
    "ma": "SMA/SMK",
    "sma/smk": "SMA/SMK",
    "smu": "SMA/SMK",
    "d1": "D1",
    "d i": "D1",
    "diploma i": "D1",
    "d2": "D2",
    "d ii": "D2",
    "diploma ii": "D2",
    "d3": "D3",
    "d iii": "D3",
    "diii": "D3",
    "diploma iii": "D3",
    "d4": "D4",
    "d iv": "D4",
    "div": "D4",
    "diploma iv": "D4",
    "s1": "S1",
    "strata 1": "S1",
    "sarjana": "S1",
    "s2": "S2",
    "strata 2": "S2",
    "magister": "S2",
    "s3": "S3",
    "strata 3": "S3",
    "doktor": "S3",
}


_EDUCATION.update(
    {
        "diploma 1": "D1",
        "diploma 2": "D2",
        "diploma 3": "D3",
        "diploma 4": "D4",
        "strata i": "S1",
        "strata ii": "S2",
        "strata iii": "S3",
        "sarjana terapan": "D4",
        "sltp sederajat": "SMP",
        "smp sederajat": "SMP",
        "slta sederajat": "SMA/SMK",
        "sma sederajat": "SMA/SMK",
        "slta/sma": "SMA/SMK",
        "slta/smk": "SMA/SMK",
        "sltp/smp": "SMP",
    }
)
# The same keys without spaces and punctuation: "S-1", "S.1", "S 1", "D-III", "D.IV" are everyday spellings.
_EDUCATION_COMPACT = {_NOT_ALNUM.sub("", key): level for key, level in _EDUCATION.items()}


def education(value: object) -> str:
    raw = text(value)
    if not raw:
        return ""
    key = _key(raw)
    if key in _EDUCATION:
        return _EDUCATION[key]
    compact = _NOT_ALNUM.sub("", key)
    if compact in _EDUCATION_COMPACT:
        return _EDUCATION_COMPACT[compact]
    raise FieldError(f"Pendidikan harus salah satu dari {', '.join(EDUCATION_LEVELS)} (tertulis “{raw}”).")


_MONTHS = {name.casefold(): number for number, name in enumerate(MONTHS_ID, start=1)}
_MONTHS.update({name.casefold()[:3]: number for number, name in enumerate(MONTHS_ID, start=1)})
_MONTHS.update({"agu": 8, "ags": 8, "agt": 8, "okt": 10, "des": 12, "peb": 2, "nop": 11})
# English names too: Excel shows "12-Mar-1987" and "12-May-1987" in an English-locale file.
_MONTHS.update(
    {
        name: number
        for number, full in enumerate(
            "january february march april may june july august september october november december".split(),  # noqa: SIM905
            start=1,
        )
        for name in (full, full[:3])
    }
)
_DAY_FIRST = re.compile(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})")
# yyyy-mm-dd, also with the time a database export appends ("1987-03-12 00:00:00", "1987-03-12T00:00").
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
# "12 Maret 1987", "12-Mar-1987", "12/Maret/1987", "12.Mar.1987".
_MONTH_NAMED = re.compile(r"(\d{1,2})(?:\s+|\s*[/\-.]\s*)([A-Za-z]+)\.?(?:\s+|\s*[/\-.]\s*)(\d{4})")
# Excel's day number of a date cell that lost its date format (31848 is 12 March 1987): five digits are
# the years 1927-2063, and a birth-date column holds nothing else that looks like it.
_EXCEL_SERIAL = re.compile(r"\d{5}")
_EXCEL_EPOCH = date(1899, 12, 30)


def _from_serial(serial: float) -> date | None:
    if 10_000 <= serial < 60_000 and float(serial).is_integer():
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    return None


def birth_date(value: object) -> date | None:
    """Dates as Excel gives them (a date cell, or its day number when the format was lost), or
    dd-mm-yyyy, dd/mm/yyyy, yyyy-mm-dd (with a zero time), '12 Maret 1987', '12-Mar-1987'."""
    if value is None or text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and (found := _from_serial(value)):
        return found
    raw = text(value)
    try:
        if match := _DAY_FIRST.fullmatch(raw):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if match := _ISO_DATE.fullmatch(raw):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _MONTH_NAMED.fullmatch(raw):
            month = _MONTHS.get(match.group(2).casefold()) or _MONTHS.get(match.group(2).casefold()[:3])
            if month:
                return date(int(match.group(3)), month, int(match.group(1)))
        if _EXCEL_SERIAL.fullmatch(raw) and (found := _from_serial(int(raw))):
            return found
    except ValueError:
        pass
    raise FieldError(
        f"Tanggal lahir tidak dapat dibaca (tertulis “{raw}”); gunakan format hh-bb-tttt "
        "dengan tahun empat digit, misalnya 12-03-1987."
    )


_PHONE_NOISE = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"0\d{8,14}")


def phone(value: object) -> str:
    """Indonesian mobile numbers as 08…; +62 / 62 prefixes are folded."""
    raw = text(value)
    if not raw:
        return ""
    digits = _PHONE_NOISE.sub("", raw.lstrip("'"))
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    if not _MOBILE.fullmatch(digits):
        raise FieldError(f"Nomor HP tidak valid (tertulis “{raw}”).")
    return digits


EMAIL_MAX = 254  # the column's length (and RFC 5321's path limit)


def email(value: object) -> str:
    written = text(value)
    if not written:
        return ""
    if len(written) > EMAIL_MAX:
        raise FieldError(f"Alamat email terlalu panjang: {len(written)} karakter, paling banyak {EMAIL_MAX}.")
    try:
        validate_email(written.lower())
    except ValidationError:
        raise FieldError(f"Alamat email tidak valid (tertulis “{written}”).") from None
    return written.lower()


_ACTIVE = {"ya": True, "y": True, "aktif": True, "1": True, "true": True, "yes": True}
_INACTIVE = {
    "tidak": False,
    "t": False,
    "n": False,
    "tidak aktif": False,
    "nonaktif": False,
    "non aktif": False,
    "0": False,
    "false": False,
    "no": False,
}


def active(value: object) -> bool:
    """The register export's "Aktif" column: Ya or Tidak (a blank cell: active, as a row without it)."""
    if isinstance(value, bool):
        return value
    key = _key(value)
    if not key:
        return True
    if key in _ACTIVE:
        return True
    if key in _INACTIVE:
        return False
    raise FieldError(f"Aktif harus Ya atau Tidak (tertulis “{text(value)}”).")
