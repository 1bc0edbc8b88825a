"""A training catalogue read from ``training/<name>.yaml``, checked against a framework when one is given."""

from __future__ import annotations

from collections import Counter
from os import PathLike
from pathlib import Path
from typing import Final

from assessment.instrument.files.model import BankError, Course, Framework, TrainingCatalogue
from assessment.instrument.files.reading import (
    is_int,
    read_bilingual,
    read_code,
    read_document,
    read_list,
    read_mapping,
    read_text,
    unknown_fields,
)

_COURSE_FIELDS: Final = frozenset(
    {
        "code",
        "title",
        "provider",
        "mode",
        "jp",
        "cost_idr",
        "level_from",
        "level_to",
        "competences",
        "description",
    }
)


def load_training_catalogue(
    path: str | PathLike[str], framework: Framework | None = None
) -> TrainingCatalogue:
    """Read a training catalogue; raise :class:`BankError` listing every problem.

    With ``framework``, competences and levels are also checked against it.
    """
    path = Path(path)
    fname = path.name
    problems: list[str] = []
    data = read_document(path, frozenset({"catalogue", "courses"}), problems)
    head = read_mapping(data.get("catalogue"), f"{fname}, catalogue", problems) or {}
    code = read_code(head.get("code"), f"{fname}, catalogue", "code", problems)
    version = read_code(head.get("version"), f"{fname}, catalogue", "version", problems)
    title_id, title_en = read_bilingual(head.get("title"), f"{fname}, catalogue", "title", problems)

    courses: list[Course] = []
    for n, raw_course in enumerate(read_list(data.get("courses"), fname, "courses", problems), start=1):
        co = read_mapping(raw_course, f"{fname}, pelatihan ke-{n}", problems)
        if co is None:
            continue
        ccode = read_code(co.get("code"), f"{fname}, pelatihan ke-{n}", "code", problems)
        where = f"{fname}, pelatihan {ccode or f'ke-{n}'}"
        unknown_fields(co, _COURSE_FIELDS, where, problems)
        if not ccode:
            problems.append(f"{where}: code tidak diisi.")
        title = read_text(co.get("title"), where, "title", problems)
        provider = read_text(co.get("provider"), where, "provider", problems)
        mode = read_text(co.get("mode"), where, "mode", problems)
        problems.extend(
            f"{where}: {name} tidak diisi."
            for name, text in (("title", title), ("provider", provider), ("mode", mode))
            if not text.strip()
        )
        numbers: dict[str, int] = {}
        for name in ("jp", "cost_idr", "level_from", "level_to"):
            number = co.get(name)
            if not is_int(number):
                problems.append(f"{where}: {name} harus bilangan bulat.")
                number = 0
            numbers[name] = number
        if numbers["jp"] <= 0 and is_int(co.get("jp")):
            problems.append(f"{where}: jp harus lebih dari 0.")
        if numbers["cost_idr"] < 0:
            problems.append(f"{where}: cost_idr tidak boleh negatif.")
        if numbers["level_from"] > numbers["level_to"]:
            problems.append(f"{where}: level_from lebih tinggi dari level_to.")
        comps = [
            read_code(c, where, "competences", problems)
            for c in read_list(co.get("competences"), where, "competences", problems)
        ]
        if not comps:
            problems.append(f"{where}: competences tidak diisi.")
        if framework is not None:
            problems.extend(
                f"{where}: kompetensi {c} tidak ada dalam kerangka {framework.label}."
                for c in comps
                if c and framework.competence(c) is None
            )
            problems.extend(
                f"{where}: {name} {numbers[name]} tidak ada dalam kerangka {framework.label}."
                for name in ("level_from", "level_to")
                if is_int(co.get(name)) and numbers[name] not in framework.level_numbers
            )
        courses.append(
            Course(
                code=ccode,
                title=title,
                provider=provider,
                mode=mode,
                jp=numbers["jp"],
                cost_idr=numbers["cost_idr"],
                level_from=numbers["level_from"],
                level_to=numbers["level_to"],
                competences=tuple(comps),
                description=read_text(co.get("description"), where, "description", problems),
            )
        )
    for dup, count in Counter(c.code for c in courses).items():
        if dup and count > 1:
            problems.append(f"{fname}: kode pelatihan {dup} muncul {count} kali.")
    if problems:
        raise BankError(problems)
    return TrainingCatalogue(code, version, title_id, title_en, tuple(courses))
