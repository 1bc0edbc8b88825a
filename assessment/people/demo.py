"""Demo register: Kukar's 94 work units and 12,500 employees, loaded through the real import code path.

``generate_rows`` is also what the import benchmark uses to build 12,500- and 100,000-row files.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from assessment.instrument.files.reading import load_yaml
from assessment.people.models import Employee, WorkUnit
from assessment.people.nip import make_pns_nip
from assessment.people.services import importing, staging, units
from frontend.tabular import write_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "demo"
PNS_RANKS = ["II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c"]
PPPK_GRADES = ["V", "VII", "IX", "X", "XI"]


@cache
def unit_catalogue() -> list[dict[str, Any]]:
    return list(load_yaml((DATA / "kukar-units.yaml").read_text(encoding="utf-8"))["units"])


@cache
def name_pools() -> dict[str, Any]:
    return dict(load_yaml((DATA / "names.yaml").read_text(encoding="utf-8")))


def _weighted(rng: random.Random, pairs: list[list[Any]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _positions(kind: str, code: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for ptype, entries in name_pools()["positions"].items():
        titles = [
            e["title"]
            for e in entries
            if kind in e["unit_kinds"] and (not e.get("unit_codes") or code in e["unit_codes"])
        ]
        found[ptype] = titles or [e["title"] for e in entries if kind in e["unit_kinds"]] or ["Pelaksana"]
    return found


def generate_rows(count: int, seed: int = 6402) -> Iterator[list[str]]:
    """``count`` employees spread over the Kukar units in proportion to their headcounts (import layout)."""
    rng = random.Random(seed)
    pools = name_pools()
    catalogue = unit_catalogue()
    weights = [u["employees"] for u in catalogue]
    taken: set[str] = set()
    positions = {u["code"]: _positions(u["kind"], u["code"]) for u in catalogue}
    for _ in range(count):
        unit = rng.choices(catalogue, weights=weights)[0]
        female = rng.random() < 0.55
        first = rng.choice(pools["female_first" if female else "male_first"])
        name = f"{first} {rng.choice(pools['family_or_second'])}"
        if rng.random() < 0.6:
            name += ", " + _weighted(rng, pools["titles_suffix"])
        status = "PNS" if rng.random() < 0.78 else "PPPK"
        birth = date(rng.randint(1966, 2000), rng.randint(1, 12), rng.randint(1, 28))
        appointed = (rng.randint(birth.year + 20, min(birth.year + 35, 2024)), rng.randint(1, 12))
        sex = "P" if female else "L"
        while True:
            serial = rng.randint(1, 999)
            nip = make_pns_nip(birth, appointed, sex, serial)
            if nip not in taken:
                taken.add(nip)
                break
        # CPNS (appointed within the last year or so) and PPPK Paruh Waktu, without another random draw, so
        # that the rest of the generated register stays as it was.
        if status == "PNS" and appointed[0] >= 2024:
            status = "CPNS"
        elif status == "PPPK" and serial % 4 == 0:
            status = "PPPK Paruh Waktu"
        ptype = rng.choices(["struktural", "fungsional", "pelaksana"], weights=[8, 52, 40])[0]
        title = rng.choice(positions[unit["code"]][ptype])
        rank = rng.choice(PNS_RANKS) if status in {"PNS", "CPNS"} else rng.choice(PPPK_GRADES)
        email = f"{first.lower()}.{nip[-6:]}@kukarkab.go.id" if rng.random() < 0.7 else ""
        phone = f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.85 else ""
        yield [
            nip,
            name,
            unit["name"],
            title,
            ptype.capitalize(),
            status,
            rank,
            _weighted(rng, pools["education_levels"]),
            sex,
            birth.strftime("%d-%m-%Y"),
            email,
            phone,
        ]


def create_units() -> int:
    """The 94 Kukar units (parents first); existing ones are left as they are."""
    made = 0
    existing = set(WorkUnit.objects.values_list("code", flat=True))
    for entry in sorted(unit_catalogue(), key=lambda u: bool(u.get("parent"))):
        if entry["code"] in existing:
            continue
        parent = WorkUnit.objects.filter(code=entry.get("parent")).first() if entry.get("parent") else None
        units.create_unit(code=entry["code"], name=entry["name"], kind=entry["kind"], parent=parent)
        made += 1
    return made


def seed(region: Any, stdout: Any = None, count: int = 12_500) -> None:
    """Kukar's units and register, imported from a generated CSV exactly as an admin's upload would be."""
    create_units()
    if Employee.objects.count() >= count:
        return
    data = write_csv(importing.TEMPLATE_HEADERS, generate_rows(count))
    plan = staging.import_file(data, "demo-pegawai-kukar.csv")
    if stdout is not None:
        summary = plan.summary()
        stdout.write(
            f"  {region.name}: {summary['new']} employees imported into {WorkUnit.objects.count()} units."
        )
