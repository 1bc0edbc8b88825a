"""Dates written out in Indonesian ("12 Maret 1987", "Senin, 7 Desember 2026") where Django's own date
formatting does not serve: PDFs and code sheets always print in Indonesian, whatever the request's
language, and a register's dates are read back in the same words. One table of names for all of them."""

from __future__ import annotations

from datetime import date

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday() order


def long_date(day: date) -> str:
    """``4 Agustus 2023``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def day_and_date(day: date) -> str:
    """``Senin, 4 Agustus 2025``."""
    return f"{DAYS[day.weekday()]}, {long_date(day)}"
