"""A bank's content checked against its framework (keys, options, coverage, parameters), and a used
version held unchanged."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from os import PathLike
from typing import Final

from assessment.instrument.files.banks import load_bank
from assessment.instrument.files.model import (
    DICHOTOMOUS_TYPES,
    MIN_PER_COMPETENCE,
    Bank,
    BankError,
    Framework,
    Item,
)
from assessment.instrument.files.reading import is_number
from assessment.scoring import ITEM_TYPES

_PARAM_FIELDS: Final = frozenset({"a", "b", "steps", "c"})
_STEP_SUM_TOLERANCE: Final = 1e-9  # the same tolerance ItemSpec applies


def _validate_params(item: Item) -> list[str]:
    where = item.where()
    params = item.params
    out: list[str] = []
    if not params:
        return [f"{where}: parameter (params) tidak diisi; isi setidaknya a dan b."]
    unknown = sorted(set(params) - _PARAM_FIELDS)
    if unknown:
        out.append(f"{where}: params memuat kolom tidak dikenal {', '.join(unknown)}.")
    a = params.get("a")
    if a is None:
        out.append(f"{where}: parameter a (params.a) tidak diisi.")
    elif not is_number(a) or not math.isfinite(a) or a <= 0:
        out.append(f"{where}: parameter a (params.a) harus angka lebih dari 0, tertulis {a!r}.")
    b = params.get("b")
    if b is None:
        out.append(f"{where}: parameter b (params.b) tidak diisi.")
    elif not is_number(b) or not math.isfinite(b):
        out.append(f"{where}: parameter b (params.b) harus angka, tertulis {b!r}.")
    steps = params.get("steps")
    if steps is not None:
        if item.type in DICHOTOMOUS_TYPES:
            out.append(f"{where}: butir {item.type} (skor 0/1) tidak boleh memiliki params.steps.")
        elif (
            not isinstance(steps, list)
            or len(steps) != 2
            or not all(is_number(s) and math.isfinite(s) for s in steps)
        ):
            out.append(f"{where}: params.steps harus berisi dua angka, misalnya [-0.5, 0.5].")
        elif abs(sum(steps)) > _STEP_SUM_TOLERANCE:
            out.append(f"{where}: jumlah params.steps harus 0, tertulis {steps}.")
    c = params.get("c")
    if c is not None:
        if item.type not in DICHOTOMOUS_TYPES:
            out.append(f"{where}: butir {item.type} (skor 0/1/2) tidak boleh memiliki params.c.")
        elif not is_number(c) or not math.isfinite(c) or not 0 <= c < 1:
            out.append(f"{where}: parameter c (params.c) harus angka 0 sampai kurang dari 1, tertulis {c!r}.")
    return out


def _validate_stimulus(item: Item) -> list[str]:
    stim = item.stimulus
    if stim is None:
        return []
    where = item.where()
    kind = stim.get("kind")
    if not isinstance(kind, str) or not kind:
        return [f"{where}: stimulus tidak memiliki kind (misalnya text, table, chat, email, browser)."]
    if kind == "table":
        columns, rows = stim.get("columns"), stim.get("rows")
        if not isinstance(columns, list) or not isinstance(rows, list) or not rows:
            return [f"{where}: stimulus tabel harus memiliki columns dan rows."]
        bad = [
            n for n, row in enumerate(rows, start=1) if not isinstance(row, list) or len(row) != len(columns)
        ]
        if bad:
            return [
                f"{where}: stimulus tabel, baris {', '.join(map(str, bad))} tidak memiliki "
                f"{len(columns)} kolom seperti columns."
            ]
    return []


def _validate_item(item: Item, framework: Framework) -> list[str]:
    where = item.where()
    out: list[str] = []
    if not item.type:
        out.append(f"{where}: jenis (type) tidak diisi.")
    elif item.type not in ITEM_TYPES:
        types = ", ".join(ITEM_TYPES)
        out.append(f"{where}: jenis (type) {item.type!r} tidak dikenal; pilih salah satu dari {types}.")
    if not item.competence:
        out.append(f"{where}: kompetensi (competence) tidak diisi.")
    elif framework.competence(item.competence) is None:
        out.append(
            f"{where}: kompetensi (competence) {item.competence} tidak ada dalam kerangka {framework.label}."
        )
    if not item.level:
        out.append(f"{where}: tingkat (level) tidak diisi.")
    elif item.level not in framework.level_numbers:
        levels = ", ".join(map(str, framework.level_numbers))
        out.append(
            f"{where}: tingkat (level) {item.level} tidak ada dalam kerangka {framework.label} ({levels})."
        )
    if not item.stem.strip():
        out.append(f"{where}: pokok soal (stem) kosong.")
    if not item.explanation.strip():
        out.append(f"{where}: pembahasan (explanation) kosong.")
    out.extend(_validate_stimulus(item))

    ids = item.option_ids
    for dup, count in Counter(ids).items():
        if count > 1:
            out.append(f"{where}: id opsi {dup} dipakai {count} kali (options).")
    out.extend(f"{where}: teks opsi {o.id} kosong (options)." for o in item.options if not o.text.strip())
    if len(ids) < 2:
        out.append(f"{where}: opsi jawaban (options) kurang dari dua.")

    key = item.key
    if not key:
        out.append(f"{where}: kunci jawaban (key) tidak diisi.")
    else:
        for dup, count in Counter(key).items():
            if count > 1:
                out.append(f"{where}: kunci jawaban (key) menyebut opsi {dup} {count} kali.")
        unknown = [k for k in dict.fromkeys(key) if k not in ids]
        if unknown:
            out.append(f"{where}: kunci jawaban (key) menyebut opsi yang tidak ada: {', '.join(unknown)}.")
        if item.type in DICHOTOMOUS_TYPES and len(key) != 1:
            out.append(
                f"{where}: butir {item.type} harus memiliki tepat satu kunci jawaban (key), ada {len(key)}."
            )
        elif item.type == "multiple_response":
            if len(set(key)) < 2:
                out.append(
                    f"{where}: butir multiple_response harus memiliki minimal dua kunci jawaban (key)."
                )
            elif ids and not set(ids) - set(key):
                out.append(
                    f"{where}: semua opsi menjadi kunci jawaban (key); "
                    "butir multiple_response perlu pengecoh."
                )
        elif item.type == "ordering" and (len(key) != len(ids) or set(key) != set(ids)):
            out.append(
                f"{where}: kunci jawaban (key) butir ordering harus memuat setiap opsi tepat satu kali."
            )
    out.extend(_validate_params(item))
    return out


def validate_bank(
    bank: Bank | str | PathLike[str],
    framework: Framework,
    *,
    min_per_competence: int = MIN_PER_COMPETENCE,
) -> list[str]:
    """Every content problem of ``bank`` against ``framework`` (empty list: the bank is usable).

    ``bank`` is a loaded :class:`Bank` or the path of a bank directory (loaded with :func:`load_bank`,
    whose :class:`BankError` propagates).  Problems come in order: the bank, then items in file order,
    then coverage per competence.
    """
    if not isinstance(bank, Bank):
        bank = load_bank(bank)
    out: list[str] = []
    if (bank.framework_code, bank.framework_version) != (framework.code, framework.version):
        out.append(
            f"bank.yaml: bank {bank.label} memakai kerangka {bank.framework_code}-{bank.framework_version}, "
            f"tetapi kerangka yang diberikan {framework.label}."
        )
    known = {i.id for i in bank.items}
    out.extend(
        f"bank.yaml: butir jangkar (anchors) {a} tidak ada dalam bank."
        for a in bank.listed_anchors
        if a not in known
    )
    for dup, count in Counter(bank.listed_anchors).items():
        if count > 1:
            out.append(f"bank.yaml: butir jangkar (anchors) {dup} disebut {count} kali.")

    seen: dict[str, str] = {}
    for item in bank.items:
        first = seen.get(item.id)
        if first is not None:
            out.append(f"{item.where()}: id ganda; id ini sudah dipakai di {first}.")
        else:
            seen[item.id] = item.source
        out.extend(_validate_item(item, framework))

    counts = Counter(i.competence for i in bank.items)
    for comp in framework.competences:
        n = counts.get(comp.code, 0)
        if n == 0:
            out.append(f"Kompetensi {comp.code} tidak memiliki butir.")
        elif n < min_per_competence:
            out.append(f"Kompetensi {comp.code} hanya memiliki {n} butir; minimal {min_per_competence}.")
    return out


def load_checked_bank(
    directory: str | PathLike[str],
    framework: Framework,
    *,
    min_per_competence: int = MIN_PER_COMPETENCE,
) -> Bank:
    """:func:`load_bank` then :func:`validate_bank`; raise :class:`BankError` if anything is wrong."""
    bank = load_bank(directory)
    problems = validate_bank(bank, framework, min_per_competence=min_per_competence)
    if problems:
        raise BankError(problems)
    return bank


def check_unchanged(bank: Bank, used_fingerprints: Mapping[str, str]) -> list[str]:
    """Problems if ``bank`` differs from the version a round already used.

    ``used_fingerprints`` is :meth:`Bank.fingerprints` as stored when the version was first used.  A used
    version is frozen: no item may change (see :func:`item_fingerprint` for what counts: parameters do
    not), disappear or be added.  Fixes go into a new version.
    """
    label = bank.label
    out: list[str] = []
    present: set[str] = set()
    for item in bank.items:
        present.add(item.id)
        old = used_fingerprints.get(item.id)
        if old is None:
            out.append(
                f"Butir {item.id} ditambahkan ke versi {label} yang sudah dipakai dalam ronde; "
                "versi yang sudah dipakai dibekukan, terbitkan butir baru dalam versi bank yang baru."
            )
        elif old != item.fingerprint:
            out.append(f"Butir {item.id} berubah padahal versi {label} sudah dipakai dalam ronde.")
    out.extend(
        f"Butir {item_id} dihapus padahal versi {label} sudah dipakai dalam ronde."
        for item_id in used_fingerprints
        if item_id not in present
    )
    return out
