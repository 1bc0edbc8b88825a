"""Reading YAML for the instrument's loaders: each helper checks one shape and, where it is wrong, adds a
problem in Indonesian naming the file, the item and the field, so that an operator sees them all at once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from assessment.instrument.files.model import BankError

# libyaml's safe loader when PyYAML was built with it (the wheels are): the same documents and errors as
# the pure-Python one, about ten times faster (the national bank took 1.3 s of a 1.7 s load).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` by libyaml when available: every data file of the project is read this way."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, libyaml's when built


def read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{path.name}: berkas tidak ditemukan ({path}).")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: berkas tidak dapat dibaca ({exc}).")
        return None
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" baris {mark.line + 1}" if mark is not None else ""
        problems.append(f"{path.name}{where}: YAML tidak valid ({getattr(exc, 'problem', exc)}).")
        return None


def read_document(path: Path, fields: frozenset[str], problems: list[str]) -> Mapping[str, Any]:
    """A data file's top-level mapping, its unknown field names added to ``problems``. A file that cannot
    be read, does not parse or holds no mapping raises :class:`BankError` at once: nothing in it can be
    checked further."""
    raw = read_yaml(path, problems)
    if problems:
        raise BankError(problems)
    data = read_mapping(raw, path.name, problems)
    if data is None:
        raise BankError(problems)
    unknown_fields(data, fields, path.name, problems)
    return data


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_text(value: object, where: str, name: str, problems: list[str]) -> str:
    """A plain text field; missing loads as ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{where}: {name} harus berupa teks.")
        return ""
    return value


def read_code(value: object, where: str, name: str, problems: list[str]) -> str:
    """A code such as "1.1" or "2.2": it must be quoted in YAML, or 1.10 would silently read as 1.1."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if is_number(value):
        problems.append(
            f'{where}: {name} {value!r} harus ditulis sebagai teks bertanda kutip, misalnya "{value}".'
        )
        return str(value)
    problems.append(f"{where}: {name} harus berupa teks.")
    return ""


def read_bilingual(value: object, where: str, name: str, problems: list[str]) -> tuple[str, str]:
    """``{id: ..., en: ...}``; plain text counts as Indonesian."""
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"id", "en"})
        if unknown:
            problems.append(f"{where}: {name} memuat bahasa yang tidak dikenal {unknown}; gunakan id dan en.")
        return (
            read_text(value.get("id"), where, f"{name}.id", problems),
            read_text(value.get("en"), where, f"{name}.en", problems),
        )
    problems.append(f"{where}: {name} harus berupa teks atau {{id: ..., en: ...}}.")
    return "", ""


def read_mapping(value: object, where: str, problems: list[str]) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: harus berupa mapping (kolom: nilai).")
        return None
    return value


def read_list(value: object, where: str, name: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: {name} harus berupa daftar.")
        return []
    return value


def unknown_fields(data: Mapping[str, Any], allowed: frozenset[str], where: str, problems: list[str]) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        problems.append(f"{where}: kolom tidak dikenal {', '.join(unknown)} (salah ketik?).")


def natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


_FRAMEWORK_REF = re.compile(r"^(?P<code>.+?)(?:@|-(?=\d))(?P<version>.+)$")


def parse_framework_ref(ref: str) -> tuple[str, str]:
    """``"digcomp-2.2"`` or ``"digcomp@2.2"`` -> ``("digcomp", "2.2")``; ``"digcomp-3.0-draft"`` ->
    ``("digcomp", "3.0-draft")`` (the version starts at the first hyphen followed by a digit)."""
    match = _FRAMEWORK_REF.match(ref.strip())
    if not match:
        raise ValueError(f"rujukan kerangka {ref!r} tidak berbentuk kode-versi, misalnya digcomp-2.2")
    return match["code"], match["version"]
