"""A competence framework read from ``frameworks/<code>-<version>.yaml``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

from assessment.instrument.files.model import Area, BankError, Competence, CompetenceLevel, Framework, Level
from assessment.instrument.files.reading import (
    is_int,
    read_bilingual,
    read_code,
    read_document,
    read_list,
    read_mapping,
    read_text,
)


def load_framework(path: str | PathLike[str]) -> Framework:
    """Read a competence framework file; raise :class:`BankError` listing every problem."""
    path = Path(path)
    fname = path.name
    problems: list[str] = []
    data = read_document(path, frozenset({"framework", "notes", "levels", "areas"}), problems)

    head = read_mapping(data.get("framework"), f"{fname}, framework", problems) or {}
    code = read_code(head.get("code"), f"{fname}, framework", "code", problems)
    version = read_code(head.get("version"), f"{fname}, framework", "version", problems)
    if not code:
        problems.append(f"{fname}, framework: code tidak diisi.")
    if not version:
        problems.append(f"{fname}, framework: version tidak diisi.")
    name_id, name_en = read_bilingual(head.get("name"), f"{fname}, framework", "name", problems)
    source = read_text(head.get("source"), f"{fname}, framework", "source", problems)
    licence = read_text(head.get("licence"), f"{fname}, framework", "licence", problems)
    notes = read_text(data.get("notes"), fname, "notes", problems)

    levels: list[Level] = []
    for n, raw_level in enumerate(read_list(data.get("levels"), fname, "levels", problems), start=1):
        where = f"{fname}, levels ke-{n}"
        lv = read_mapping(raw_level, where, problems)
        if lv is None:
            continue
        number = lv.get("number")
        if not is_int(number):
            problems.append(f"{where}: number harus bilangan bulat.")
            continue
        where = f"{fname}, tingkat {number}"
        lname_id, lname_en = read_bilingual(lv.get("name"), where, "name", problems)
        ldesc_id, ldesc_en = read_bilingual(lv.get("description"), where, "description", problems)
        if not lname_id:
            problems.append(f"{where}: name.id tidak diisi.")
        levels.append(
            Level(
                number,
                read_code(lv.get("code"), where, "code", problems),
                lname_id,
                lname_en,
                ldesc_id,
                ldesc_en,
            )
        )
    numbers = [lv.number for lv in levels]
    if not levels:
        problems.append(f"{fname}: levels tidak diisi.")
    elif sorted(numbers) != list(range(1, len(numbers) + 1)):
        problems.append(f"{fname}: nomor tingkat harus 1 sampai {len(numbers)} tanpa celah atau ganda.")
    levels.sort(key=lambda lv: lv.number)

    areas: list[Area] = []
    competences: list[Competence] = []
    for n, raw_area in enumerate(read_list(data.get("areas"), fname, "areas", problems), start=1):
        ar = read_mapping(raw_area, f"{fname}, areas ke-{n}", problems)
        if ar is None:
            continue
        acode = read_code(ar.get("code"), f"{fname}, areas ke-{n}", "code", problems)
        where = f"{fname}, area {acode or f'ke-{n}'}"
        if not acode:
            problems.append(f"{where}: code tidak diisi.")
        aname_id, aname_en = read_bilingual(ar.get("name"), where, "name", problems)
        adesc_id, adesc_en = read_bilingual(ar.get("description"), where, "description", problems)
        if not aname_id:
            problems.append(f"{where}: name.id tidak diisi.")
        areas.append(Area(acode, aname_id, aname_en, adesc_id, adesc_en))
        comps = read_list(ar.get("competences"), where, "competences", problems)
        if not comps:
            problems.append(f"{where}: tidak memiliki kompetensi.")
        for m, raw_comp in enumerate(comps, start=1):
            co = read_mapping(raw_comp, f"{where}, competences ke-{m}", problems)
            if co is None:
                continue
            ccode = read_code(co.get("code"), f"{where}, competences ke-{m}", "code", problems)
            cwhere = f"{fname}, kompetensi {ccode or f'ke-{m} area {acode}'}"
            if not ccode:
                problems.append(f"{cwhere}: code tidak diisi.")
            elif ccode.split(".", 1)[0] != acode:
                problems.append(f"{cwhere}: kode tidak diawali kode areanya ({acode}.).")
            cname_id, cname_en = read_bilingual(co.get("name"), cwhere, "name", problems)
            cdesc_id, cdesc_en = read_bilingual(co.get("description"), cwhere, "description", problems)
            if not cname_id:
                problems.append(f"{cwhere}: name.id tidak diisi.")
            descriptors: list[CompetenceLevel] = []
            raw_desc = co.get("levels") or {}
            if not isinstance(raw_desc, Mapping):
                problems.append(f"{cwhere}: levels harus berupa mapping nomor tingkat -> deskripsi.")
                raw_desc = {}
            for lnum, text in raw_desc.items():
                if not is_int(lnum) or lnum not in numbers:
                    problems.append(
                        f"{cwhere}: levels memuat tingkat {lnum!r} yang tidak ada dalam kerangka."
                    )
                    continue
                d_id, d_en = read_bilingual(text, f"{cwhere}, tingkat {lnum}", "deskripsi", problems)
                descriptors.append(CompetenceLevel(lnum, d_id, d_en))
            missing = sorted(set(numbers) - {d.number for d in descriptors})
            if missing and raw_desc:
                problems.append(f"{cwhere}: deskripsi tingkat {', '.join(map(str, missing))} tidak ada.")
            descriptors.sort(key=lambda d: d.number)
            competences.append(
                Competence(ccode, acode, cname_id, cname_en, cdesc_id, cdesc_en, tuple(descriptors))
            )
    if not areas:
        problems.append(f"{fname}: areas tidak diisi.")
    for what, codes in (("area", [a.code for a in areas]), ("kompetensi", [c.code for c in competences])):
        for dup, count in Counter(codes).items():
            if dup and count > 1:
                problems.append(f"{fname}: kode {what} {dup} muncul {count} kali.")
    if problems:
        raise BankError(problems)
    return Framework(
        code=code,
        version=version,
        name_id=name_id,
        name_en=name_en,
        areas=tuple(areas),
        competences=tuple(competences),
        levels=tuple(levels),
        source=source,
        licence=licence,
        notes=notes,
    )
