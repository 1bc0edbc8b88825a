"""NIP parsing: normalisation of spreadsheet values, the PNS layout and the PPPK length check."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from decimal import Decimal

import pytest

from assessment.people.nip import (
    NipError,
    NipInfo,
    make_pns_nip,
    normalise_nip,
    normalise_sex,
    parse_pns_nip,
    validate_nip,
)

TODAY = date(2026, 5, 1)
NIP = "198703122010012001"  # born 12 Mar 1987, TMT CPNS Jan 2010, female, serial 001


def _error(func, *args, **kwargs) -> NipError:
    with pytest.raises(NipError) as info:
        func(*args, **kwargs)
    return info.value


# normalise_nip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        NIP,
        f"  {NIP}  ",
        f"'{NIP}",
        "19870312 201001 2 001",
        "19870312.201001.2.001",
        "19870312-201001-2-001",
        "19870312\u00a0201001\u00a02\u00a0001",
        "１９８７０３１２２０１００１２００１",  # full-width digits
        int(NIP),
        Decimal(NIP),
        f"{NIP}.0",
    ],
)
def test_normalise_accepts_spreadsheet_forms(raw: object) -> None:
    assert normalise_nip(raw) == NIP


@pytest.mark.parametrize(
    "raw",
    [
        1.98703122010012e17,
        float(NIP),
        "1.98703E+17",
        "1,98703E+17",
        "1.98703122010012e+17",
        Decimal("1.98703122010012E+17"),
        198703122010012000,  # an 18-digit integer ending in 000: a float that went through int()
        "198703122010012000.0",
        1.9870312201001e16,  # 17 digits from a float: digits lost as well
    ],
)
def test_normalise_detects_lost_digits(raw: object) -> None:
    error = _error(normalise_nip, raw)
    assert error.code == "lost_digits"
    assert "Excel" in str(error)
    assert "Teks" in str(error)


def test_lost_digits_message_shows_the_value_as_excel_does() -> None:
    error = _error(normalise_nip, 1.98703122010012e17)
    assert str(error) == (
        "NIP tersimpan sebagai angka oleh Excel sehingga digit terakhirnya hilang (1,98703E+17). "
        "Format kolom NIP sebagai Teks lalu ketik ulang."
    )


def test_text_ending_in_000_is_kept_as_typed() -> None:
    # Typed as text, the digits are what the user wrote; the PNS check then rejects serial 000.
    assert normalise_nip("198703122010012000") == "198703122010012000"
    assert _error(parse_pns_nip, "198703122010012000", today=TODAY).code == "serial"


def test_normalise_length_and_digits() -> None:
    error = _error(normalise_nip, NIP[:-1])
    assert error.code == "length"
    assert str(error) == "NIP harus 18 digit (tertulis 17 digit)."
    assert _error(normalise_nip, NIP + "1").code == "length"
    assert _error(normalise_nip, 12345).code == "length"
    assert _error(normalise_nip, 12345.0).code == "length"
    error = _error(normalise_nip, "19870312201001200A")
    assert error.code == "digits"
    assert str(error) == "NIP hanya boleh berisi angka (tertulis 19870312201001200A)."
    assert _error(normalise_nip, -int(NIP)).code == "digits"
    assert _error(normalise_nip, 1.5).code == "digits"
    assert _error(normalise_nip, float("nan")).code == "digits"
    assert _error(normalise_nip, True).code == "digits"
    assert _error(normalise_nip, date(1987, 3, 12)).code == "digits"
    assert _error(normalise_nip, "1.5E+3").code == "digits"


@pytest.mark.parametrize("raw", [None, "", "   ", "'"])
def test_normalise_empty(raw: object) -> None:
    error = _error(normalise_nip, raw)
    assert error.code == "empty"
    assert str(error) == "NIP wajib diisi."


def test_error_is_a_value_error_and_pickles() -> None:
    error = _error(normalise_nip, "123")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.code, str(copy)) == (error.code, str(error))


# parse_pns_nip -------------------------------------------------------------------------------------


def test_parse_pns_nip() -> None:
    info = parse_pns_nip(NIP, today=TODAY)
    assert info == NipInfo(birth_date=date(1987, 3, 12), appointed=(2010, 1), sex="P", serial=1)
    male = parse_pns_nip("199001022015031123", today=TODAY)
    assert (male.sex, male.serial, male.appointed) == ("L", 123, (2015, 3))


def test_parse_accepts_unclean_input_and_default_today() -> None:
    assert parse_pns_nip("19870312 201001 2 001").birth_date == date(1987, 3, 12)


@pytest.mark.parametrize(
    ("nip", "code", "message"),
    [
        ("198713452010012001", "birth_date", "Tanggal lahir dalam NIP tidak valid (19871345)."),
        ("198702302010012001", "birth_date", "Tanggal lahir dalam NIP tidak valid (19870230)."),
        (
            "193003122010012001",
            "birth_date",
            "Tahun lahir dalam NIP (1930) di luar rentang yang wajar (1940-2009).",
        ),
        (
            "201003122010012001",
            "birth_date",
            "Tahun lahir dalam NIP (2010) di luar rentang yang wajar (1940-2009).",
        ),
        ("198703122010132001", "appointment", "Bulan TMT CPNS dalam NIP tidak valid (201013)."),
        ("198703122010002001", "appointment", "Bulan TMT CPNS dalam NIP tidak valid (201000)."),
        (
            "198703122027012001",
            "appointment",
            "Tahun TMT CPNS dalam NIP (2027) melewati tahun ini (2026).",
        ),
        (
            "198703122004012001",
            "appointment_before_18",
            "TMT CPNS dalam NIP (200401) lebih awal dari usia 18 tahun (lahir 1987).",
        ),
        ("198703122010013001", "sex", "Kode jenis kelamin dalam NIP harus 1 atau 2 (tertulis 3)."),
        ("198703122010010001", "sex", "Kode jenis kelamin dalam NIP harus 1 atau 2 (tertulis 0)."),
        (
            "198703122010012000",
            "serial",
            "Nomor urut dalam NIP (tiga digit terakhir) tidak boleh 000. Biasanya ini tanda NIP pernah "
            "tersimpan sebagai angka di Excel sehingga tiga digit terakhirnya hilang; format kolom NIP "
            "sebagai Teks lalu ketik ulang NIP dari sumbernya.",
        ),
    ],
)
def test_parse_pns_nip_rejects(nip: str, code: str, message: str) -> None:
    error = _error(parse_pns_nip, nip, today=TODAY)
    assert (error.code, str(error)) == (code, message)


def test_appointment_at_exactly_18_and_in_the_current_year() -> None:
    assert parse_pns_nip("198703122005012001", today=TODAY).appointed == (2005, 1)
    assert parse_pns_nip("198703122026122001", today=TODAY).appointed == (2026, 12)
    assert parse_pns_nip("200801012026012001", today=TODAY).birth_date.year == 2008


# validate_nip --------------------------------------------------------------------------------------


def test_validate_pns_with_matching_details() -> None:
    info = validate_nip(NIP, "PNS", birth_date=date(1987, 3, 12), sex="P", today=TODAY)
    assert info is not None
    assert info.serial == 1
    assert validate_nip(NIP, " pns ", birth_date=datetime(1987, 3, 12), sex="Perempuan", today=TODAY)


def test_validate_pns_birth_date_mismatch() -> None:
    error = _error(validate_nip, NIP, "PNS", birth_date=date(1987, 3, 13), today=TODAY)
    assert error.code == "birth_date_mismatch"
    assert str(error) == "Tanggal lahir (13 Maret 1987) tidak sesuai dengan NIP (12 Maret 1987)."


def test_validate_pns_sex_mismatch() -> None:
    error = _error(validate_nip, NIP, "PNS", sex="L", today=TODAY)
    assert error.code == "sex_mismatch"
    assert str(error) == "Jenis kelamin (L, laki-laki) tidak sesuai dengan NIP (P, perempuan)."
    assert _error(validate_nip, NIP, "PNS", sex="X", today=TODAY).code == "sex_value"
    assert validate_nip(NIP, "PNS", sex="", today=TODAY) is not None  # blank: not checked


def test_validate_pns_structural_error() -> None:
    assert _error(validate_nip, "198703122010013001", "PNS", today=TODAY).code == "sex"


def test_validate_pppk_checks_length_and_serial() -> None:
    # PPPK numbers do not follow the PNS layout (here "21" in the month position).
    assert validate_nip("198703122021211001", "PPPK", today=TODAY) is None
    assert validate_nip("199913452099993999", "pppk", today=TODAY) is None
    assert _error(validate_nip, "19870312202121100", "PPPK").code == "length"
    assert _error(validate_nip, 1.98703122021211e17, "PPPK").code == "lost_digits"
    # The same number that Excel rounded and a CSV then wrote out as text: its serial is 000.
    assert _error(validate_nip, "198703122021211000", "PPPK").code == "serial"


def test_validate_unknown_status() -> None:
    error = _error(validate_nip, NIP, "Honorer")
    assert error.code == "status"
    assert str(error) == "Status kepegawaian harus PNS, CPNS, PPPK atau PPPK Paruh Waktu (tertulis Honorer)."


# helpers -------------------------------------------------------------------------------------------


def test_make_pns_nip_round_trip() -> None:
    nip = make_pns_nip(date(1990, 1, 2), (2015, 3), "P", 7)
    assert nip == "199001022015032007"
    assert parse_pns_nip(nip, today=TODAY) == NipInfo(date(1990, 1, 2), (2015, 3), "P", 7)
    assert make_pns_nip(date(1987, 3, 12), (2010, 1), "L", 999).endswith("1999")
    with pytest.raises(ValueError, match="serial"):
        make_pns_nip(date(1990, 1, 2), (2015, 3), "P", 1000)
    with pytest.raises(ValueError, match="appointment"):
        make_pns_nip(date(1990, 1, 2), (2015, 13), "P", 1)


@pytest.mark.parametrize(
    ("raw", "sex"),
    [
        *[("L", "L"), ("l", "L"), ("Laki-laki", "L"), ("LAKI - LAKI", "L"), ("Pria", "L"), (1, "L")],
        *[("P", "P"), ("perempuan", "P"), ("Wanita", "P"), ("2", "P")],
    ],
)
def test_normalise_sex(raw: object, sex: str) -> None:
    assert normalise_sex(raw) == sex
