"""An item bank read from ``banks/<code>-<version>/``: shapes only (content is ``validation``'s), and the
item as scoring takes it (``to_item_spec``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, Final

from assessment.instrument.files.fingerprints import item_fingerprint, key_tuple
from assessment.instrument.files.model import Bank, BankError, Item, Option
from assessment.instrument.files.reading import (
    is_int,
    natural_key,
    parse_framework_ref,
    read_bilingual,
    read_code,
    read_document,
    read_list,
    read_mapping,
    read_text,
    read_yaml,
    unknown_fields,
)
from assessment.scoring import ItemSpec

_ITEM_FIELDS: Final = frozenset(
    {
        "id",
        "competence",
        "level",
        "type",
        "anchor",
        "tags",
        "stem",
        "stimulus",
        "options",
        "key",
        "explanation",
        "params",
    }
)
_BANK_FIELDS: Final = frozenset({"code", "version", "framework", "title", "parameters", "files", "anchors"})


def _load_item(raw: object, fname: str, n: int, anchors: set[str], problems: list[str]) -> Item | None:
    data = read_mapping(raw, f"{fname}, butir ke-{n}", problems)
    if data is None:
        return None
    item_id = data.get("id")
    if isinstance(item_id, int | float) and not isinstance(item_id, bool):
        item_id = str(item_id)
    if not isinstance(item_id, str) or not item_id.strip():
        problems.append(f"{fname}, butir ke-{n}: id tidak diisi.")
        return None
    item_id = item_id.strip()
    where = f"{fname}, butir {item_id}"
    before = len(problems)
    unknown_fields(data, _ITEM_FIELDS, where, problems)

    competence = read_code(data.get("competence"), where, "kompetensi (competence)", problems)
    level = data.get("level", 0)
    if level is None:
        level = 0
    if not is_int(level):
        problems.append(f"{where}: tingkat (level) harus bilangan bulat.")
        level = 0
    item_type = read_text(data.get("type"), where, "jenis (type)", problems)
    stem = read_text(data.get("stem"), where, "pokok soal (stem)", problems)
    explanation = read_text(data.get("explanation"), where, "pembahasan (explanation)", problems)

    stimulus = data.get("stimulus")
    if stimulus is not None and not isinstance(stimulus, Mapping):
        problems.append(f"{where}: stimulus harus berupa mapping.")
        stimulus = None

    options: list[Option] = []
    for m, raw_opt in enumerate(read_list(data.get("options"), where, "opsi (options)", problems), start=1):
        if not isinstance(raw_opt, Mapping) or set(raw_opt) - {"id", "text"}:
            problems.append(f"{where}: opsi ke-{m} harus berbentuk {{id: ..., text: ...}}.")
            continue
        opt_id = raw_opt.get("id")
        if not isinstance(opt_id, str) or not opt_id:
            problems.append(f"{where}: opsi ke-{m} tidak memiliki id berupa teks.")
            continue
        options.append(Option(opt_id, read_text(raw_opt.get("text"), where, f"teks opsi {opt_id}", problems)))

    key = key_tuple(data.get("key"))
    if key is None:
        problems.append(f"{where}: kunci jawaban (key) harus berupa id opsi atau daftar id opsi.")
        key = ()

    params = data.get("params")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        problems.append(f"{where}: parameter (params) harus berupa mapping {{a, b, steps}}.")
        params = {}

    anchor = data.get("anchor", False)
    if anchor is None:
        anchor = False
    if not isinstance(anchor, bool):
        problems.append(f"{where}: anchor harus true atau false.")
        anchor = False

    tags = read_list(data.get("tags"), where, "tags", problems)
    if not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}: tags harus berupa daftar teks.")
        tags = []

    if len(problems) > before:
        return None
    return Item(
        id=item_id,
        competence=competence,
        level=level,
        type=item_type,
        stem=stem,
        stimulus=_plain(stimulus) if stimulus is not None else None,
        options=tuple(options),
        key=key,
        explanation=explanation,
        params=_plain(params),
        is_anchor=anchor or item_id in anchors,
        fingerprint=item_fingerprint(data),
        tags=tuple(tags),
        source=fname,
    )


def _plain(value: Any) -> Any:
    """A deep copy of YAML data as plain dicts and lists (the loaded item shares nothing with the file)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def load_bank(directory: str | PathLike[str]) -> Bank:
    """Read ``bank.yaml`` and its item files from ``directory``.

    Raises :class:`BankError` on *structural* problems (a file missing or not valid YAML, a wrong shape,
    an unknown field, an item without id).  Content problems (a missing key, an unknown competence, a
    duplicate id...) are left to :func:`validate_bank`; missing fields load as empty values so that it
    can report them.
    """
    directory = Path(directory)
    problems: list[str] = []
    data = read_document(directory / "bank.yaml", frozenset({"bank", "items"}), problems)
    head = read_mapping(data.get("bank"), "bank.yaml, bank", problems) or {}
    unknown_fields(head, _BANK_FIELDS, "bank.yaml, bank", problems)
    code = read_code(head.get("code"), "bank.yaml, bank", "code", problems)
    version = read_code(head.get("version"), "bank.yaml, bank", "version", problems)
    for name, value in (("code", code), ("version", version)):
        if not value:
            problems.append(f"bank.yaml, bank: {name} tidak diisi.")
    fw_code = fw_version = ""
    ref = head.get("framework")
    if isinstance(ref, Mapping):
        fw_code = read_code(ref.get("code"), "bank.yaml, bank.framework", "code", problems)
        fw_version = read_code(ref.get("version"), "bank.yaml, bank.framework", "version", problems)
    elif isinstance(ref, str) and ref.strip():
        try:
            fw_code, fw_version = parse_framework_ref(ref)
        except ValueError as exc:
            problems.append(f"bank.yaml, bank: framework: {exc}.")
            fw_code = fw_version = "?"
    elif ref is not None:
        problems.append("bank.yaml, bank: framework harus berupa teks kode-versi, misalnya digcomp-2.2.")
        fw_code = fw_version = "?"
    if not (fw_code and fw_version):
        problems.append("bank.yaml, bank: framework tidak diisi (misalnya digcomp-2.2).")
    title_id, title_en = read_bilingual(head.get("title"), "bank.yaml, bank", "title", problems)
    parameters = read_text(head.get("parameters"), "bank.yaml, bank", "parameters", problems)

    listed_anchors = read_list(head.get("anchors"), "bank.yaml, bank", "anchors", problems)
    if not all(isinstance(a, str) for a in listed_anchors):
        problems.append("bank.yaml, bank: anchors harus berupa daftar id butir.")
        listed_anchors = []

    files_raw = head.get("files")
    on_disk = sorted((p.name for p in directory.glob("area-*.yaml")), key=natural_key)
    if files_raw is None:
        files = on_disk
    else:
        files = read_list(files_raw, "bank.yaml, bank", "files", problems)
        if not all(isinstance(f, str) for f in files):
            problems.append("bank.yaml, bank: files harus berupa daftar nama berkas.")
            files = []
        for dup, count in Counter(files).items():
            if count > 1:
                problems.append(f"bank.yaml, bank: files menyebut {dup} {count} kali.")
        problems.extend(
            f"bank.yaml, bank: {stray} ada di direktori tetapi tidak tercantum di files."
            for stray in on_disk
            if stray not in files
        )
    if not files and not data.get("items"):
        problems.append("bank.yaml: tidak ada berkas butir (files kosong dan tidak ada area-*.yaml).")

    items: list[Item] = []
    anchors = set(listed_anchors)
    sources: list[tuple[str, Any]] = []
    if data.get("items") is not None:
        sources.append(("bank.yaml", data.get("items")))
    for fname in dict.fromkeys(files):
        fproblems: list[str] = []
        content = read_yaml(directory / fname, fproblems)
        problems.extend(fproblems)
        if fproblems:
            continue
        fdata = read_mapping(content, fname, problems)
        if fdata is None:
            continue
        unknown_fields(fdata, frozenset({"items"}), fname, problems)
        sources.append((fname, fdata.get("items")))
    for fname, raw_items in sources:
        entries = read_list(raw_items, fname, "items", problems)
        if not entries:
            problems.append(f"{fname}: tidak memuat butir (items kosong).")
        for n, raw_item in enumerate(entries, start=1):
            item = _load_item(raw_item, fname, n, anchors, problems)
            if item is not None:
                items.append(item)
    if problems:
        raise BankError(problems)
    flagged = [i.id for i in items if i.is_anchor and i.id not in listed_anchors]
    return Bank(
        code=code,
        version=version,
        framework_code=fw_code,
        framework_version=fw_version,
        title_id=title_id,
        title_en=title_en,
        items=tuple(items),
        anchors=tuple(dict.fromkeys([a for a in listed_anchors if any(i.id == a for i in items)] + flagged)),
        parameters=parameters,
        files=tuple(files),
        directory=str(directory),
        listed_anchors=tuple(listed_anchors),
    )


def to_item_spec(item: Item, *, local: bool = False) -> ItemSpec:
    """The scoring engine's view of an item (``area`` from the competence code, ``anchor`` from the flag).

    Raises :class:`BankError` if the item cannot be scored; a bank that passed :func:`validate_bank`
    always converts.
    """
    try:
        params = item.params
        steps: Sequence[float] = params.get("steps") or ()
        return ItemSpec(
            id=item.id,
            type=item.type,  # type: ignore[arg-type]  # checked by ItemSpec
            key=item.key,
            area=int(item.area_code),
            competence=item.competence,
            level=item.level,
            a=float(params.get("a", 1.0)),
            b=float(params.get("b", 0.0)),
            steps=tuple(float(s) for s in steps),
            c=float(params.get("c") or 0.0),
            options=item.option_ids,
            anchor=item.is_anchor,
            local=local,
        )
    except (TypeError, ValueError) as exc:
        raise BankError([f"{item.where()}: tidak dapat dipakai untuk penskoran ({exc})."]) from exc
