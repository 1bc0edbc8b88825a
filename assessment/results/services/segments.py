"""The groups results are compared by: the segments of a person at the time of a round."""

from __future__ import annotations

from datetime import date

from benchmark.segments import DIMENSIONS, label

__all__ = ["DIMENSIONS", "age_band", "education_group", "label", "rank_group"]


def rank_group(status: str, rank: str) -> str:
    """PNS and CPNS by golongan (I to IV); both kinds of PPPK (full and part time, "PPPW") have grades."""
    if status in {"PPPK", "PPPW"}:
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
