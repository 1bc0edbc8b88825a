"""The official list of Indonesia's 552 regional governments (Kemendagri codes), shipped in ``data/wilayah``.

Read once per process from the CSV files (ODbL; source and licence in ``data/wilayah/README.md``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "wilayah"


class Kind:
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


class TimeZone:
    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"


# IANA zone of each Indonesian time zone (Keppres 41/1987; no daylight saving).
IANA_ZONES = {TimeZone.WIB: "Asia/Jakarta", TimeZone.WITA: "Asia/Makassar", TimeZone.WIT: "Asia/Jayapura"}

# Province code -> zone. WIB: Sumatra, Java, West and Central Kalimantan. WIT: Maluku and Papua.
# Everything else (Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi) is WITA.
_WIB_PROVINCES = {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35",
                  "36",
                  "61", "62"}  # fmt: skip
_WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}


@dataclass(frozen=True)
class OfficialRegion:
    code: str
    name: str
    kind: str
    province_code: str
    province_name: str

    @property
    def time_zone(self) -> str:
        return time_zone_for_province(self.province_code)

    @property
    def label(self) -> str:
        if self.kind == Kind.PROVINSI:
            return f"{self.code} — {self.name}"
        return f"{self.code} — {self.name} ({self.province_name})"


def time_zone_for_province(province_code: str) -> str:
    if province_code in _WIB_PROVINCES:
        return TimeZone.WIB
    if province_code in _WIT_PROVINCES:
        return TimeZone.WIT
    return TimeZone.WITA


@cache
def official_regions() -> dict[str, OfficialRegion]:
    """Every province and kabupaten/kota by code, in code order."""
    with (DATA_DIR / "provinces.csv").open(encoding="utf-8") as handle:
        provinces = {row["code"]: row["name"].strip() for row in csv.DictReader(handle)}
    regions: dict[str, OfficialRegion] = {}
    for code, name in provinces.items():
        regions[code] = OfficialRegion(code, f"Provinsi {name}", Kind.PROVINSI, code, name)
    with (DATA_DIR / "regencies.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["name"].strip()
            kind = Kind.KOTA if name.startswith("Kota ") else Kind.KABUPATEN
            province = row["province_code"]
            regions[row["code"]] = OfficialRegion(row["code"], name, kind, province, provinces[province])
    return dict(sorted(regions.items()))


def get(code: str) -> OfficialRegion | None:
    return official_regions().get(normalise_code(code))


_CODE_RE = re.compile(r"^\s*(\d{2})(?:[.\s]?(\d{2}))?\b")


def normalise_code(text: str) -> str:
    """``'6402'``, ``'64.02'`` and ``'64.02 — Kabupaten ...'`` all mean ``'64.02'``."""
    match = _CODE_RE.match(text or "")
    if not match:
        return ""
    province, regency = match.groups()
    return f"{province}.{regency}" if regency else province


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def search(query: str, limit: int = 20) -> list[OfficialRegion]:
    """Regions whose code starts with the query or whose name contains every word of it."""
    query = (query or "").strip()
    if not query:
        return list(official_regions().values())[:limit]
    code = normalise_code(query)
    words = _fold(query).split()
    hits = []
    for region in official_regions().values():
        haystack = _fold(f"{region.name} {region.province_name}")
        if (code and region.code.startswith(code)) or (words and all(word in haystack for word in words)):
            hits.append(region)
    # Code matches and names that start with the query first, then the rest in code order.
    hits.sort(key=lambda r: (not r.code.startswith(code or "~"), not _fold(r.name).startswith(_fold(query))))
    return hits[:limit]


def suggest_slug(region: OfficialRegion) -> str:
    """A host name for the region: ``kutai-kartanegara``, ``kota-samarinda``, ``prov-kalimantan-timur``."""
    base = region.name
    for prefix in ("Kabupaten ", "Kota ", "Provinsi "):
        base = base.removeprefix(prefix)
    slug = _fold(base).replace(" ", "-")
    if region.kind == Kind.KOTA:
        return f"kota-{slug}"
    if region.kind == Kind.PROVINSI:
        return f"prov-{slug}"
    return slug
