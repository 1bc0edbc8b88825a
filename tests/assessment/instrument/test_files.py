"""Instrument files: the shipped framework, bank and catalogue load and validate; broken copies fail."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessment.instrument.files import (
    Bank,
    BankError,
    Framework,
    Item,
    check_unchanged,
    item_fingerprint,
    load_bank,
    load_checked_bank,
    load_framework,
    load_training_catalogue,
    parse_framework_ref,
    to_item_spec,
    validate_bank,
)
from assessment.scoring import score_item

DATA = Path(__file__).resolve().parents[3] / "assessment" / "data"
FRAMEWORK_22 = DATA / "frameworks" / "digcomp-2.2.yaml"
FRAMEWORK_30 = DATA / "frameworks" / "digcomp-3.0-draft.yaml"
BANK = DATA / "banks" / "ikd-nasional-2026.1"
CATALOGUE = DATA / "training" / "katalog-default.yaml"


@pytest.fixture(autouse=True)
def _public_schema_between_tests() -> None:
    """Overrides tests/conftest.py's autouse fixture, which needs Django: these tests are pure Python and
    run with ``-p no:django``."""


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(FRAMEWORK_22)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(BANK)


def copy_bank(tmp_path: Path) -> Path:
    target = tmp_path / BANK.name
    shutil.copytree(BANK, target)
    return target


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def find(items: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    return next(i for i in items if i["id"] == item_id)


def correct_answer(item: Item) -> Any:
    if item.type in ("single_choice", "scenario"):
        return item.key[0]
    if item.type == "multiple_response":
        return set(item.key)
    return list(item.key)


# --------------------------------------------------------------------------- shipped data


def test_digcomp_22_loads(framework: Framework) -> None:
    assert framework.key == "digcomp@2.2"
    assert framework.label == "digcomp-2.2"
    assert [a.code for a in framework.areas] == ["1", "2", "3", "4", "5"]
    assert len(framework.competences) == 21
    assert [(lv.number, lv.name_id) for lv in framework.levels] == [
        (1, "Dasar"),
        (2, "Menengah"),
        (3, "Mahir"),
        (4, "Sangat Mahir"),
    ]
    assert [len(framework.competences_of(a.code)) for a in framework.areas] == [3, 6, 4, 4, 4]
    comp = framework.competence("4.3")
    assert comp is not None
    assert comp.area_code == "4"
    assert comp.name_id
    assert comp.name_en
    assert [lv.number for lv in comp.levels] == [1, 2, 3, 4]
    assert all(lv.description_id and lv.description_en for c in framework.competences for lv in c.levels)


def test_digcomp_30_draft_loads_as_another_version(framework: Framework) -> None:
    draft = load_framework(FRAMEWORK_30)
    assert draft.code == framework.code == "digcomp"
    assert draft.version == "3.0-draft"
    assert draft.key == "digcomp@3.0-draft"
    assert draft.key != framework.key
    assert len(draft.areas) == 5
    assert len(draft.competences) == 21
    assert draft.level_numbers == (1, 2, 3, 4)
    assert draft.notes
    assert draft.area("1") != framework.area("1")  # 3.0 renamed the areas


def test_framework_refs() -> None:
    assert parse_framework_ref("digcomp-2.2") == ("digcomp", "2.2")
    assert parse_framework_ref("digcomp@2.2") == ("digcomp", "2.2")
    assert parse_framework_ref("digcomp-3.0-draft") == ("digcomp", "3.0-draft")
    with pytest.raises(ValueError, match="kode-versi"):
        parse_framework_ref("digcomp")


def test_shipped_bank_loads_and_validates(bank: Bank, framework: Framework) -> None:
    assert bank.key == "ikd-nasional@2026.1"
    assert bank.label == "ikd-nasional-2026.1"
    assert (bank.framework_code, bank.framework_version) == ("digcomp", "2.2")
    assert bank.parameters == "provisional"
    assert bank.title_id
    assert validate_bank(bank, framework) == []
    assert load_checked_bank(BANK, framework) == bank
    assert len(bank.items) >= 126
    for comp in framework.competences:
        assert len(bank.items_for(comp.code)) >= 6, comp.code
    assert {i.level for i in bank.items} == {1, 2, 3, 4}
    types = {i.type for i in bank.items}
    assert {"single_choice", "multiple_response", "scenario", "ordering"} <= types
    assert all(i.stimulus for i in bank.items if i.type == "scenario")
    assert bank.anchors
    assert set(bank.anchors) == {i.id for i in bank.items if i.is_anchor}
    assert {i.area_code for i in bank.items if i.is_anchor} == {"1", "2", "3", "4", "5"}
    assert len({i.fingerprint for i in bank.items}) == len(bank.items)
    assert all(item_fingerprint(i) == i.fingerprint for i in bank.items)  # raw YAML and Item agree


def test_validate_bank_accepts_a_directory(framework: Framework) -> None:
    assert validate_bank(BANK, framework) == []


def test_shipped_bank_against_the_draft_names_the_mismatch(bank: Bank) -> None:
    draft = load_framework(FRAMEWORK_30)
    assert validate_bank(bank, draft) == [
        "bank.yaml: bank ikd-nasional-2026.1 memakai kerangka digcomp-2.2, "
        "tetapi kerangka yang diberikan digcomp-3.0-draft."
    ]


def test_every_item_converts_and_scores_full_marks(bank: Bank) -> None:
    for item in bank.items:
        spec = to_item_spec(item)
        assert spec.id == item.id
        assert spec.area == int(item.competence.split(".")[0])
        assert spec.competence == item.competence
        assert spec.level == item.level
        assert spec.key == item.key
        assert spec.options == item.option_ids
        assert spec.anchor == item.is_anchor
        assert spec.a == item.params["a"]
        assert spec.b == item.params["b"]
        assert spec.max_score == item.max_score
        assert score_item(spec, correct_answer(item)) == spec.max_score, item.id
        wrong = next(o for o in item.option_ids if o not in item.key) if item.type != "ordering" else None
        if wrong is not None and item.type != "multiple_response":
            assert score_item(spec, wrong) == 0


def test_training_catalogue_loads(framework: Framework) -> None:
    catalogue = load_training_catalogue(CATALOGUE, framework)
    assert catalogue.code == "default"
    assert catalogue.version == "2026.1"
    assert len(catalogue.courses) == 34
    course = catalogue.course("PDG-01")
    assert course is not None
    assert course.competences == ("1.1", "1.2")
    assert (course.jp, course.cost_idr, course.level_from, course.level_to) == (4, 0, 1, 2)
    assert course.mode == "e-learning"
    assert course.minutes == 180
    covered = {c for course in catalogue.courses for c in course.competences}
    assert covered == set(framework.competence_codes)


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_ignores_params_anchor_and_explanation(bank: Bank) -> None:
    raw = find(read(BANK / "area-1.yaml")["items"], "IKD-1.1-05")
    base = item_fingerprint(raw)
    assert base == bank.item("IKD-1.1-05").fingerprint  # type: ignore[union-attr]
    assert base == item_fingerprint(bank.item("IKD-1.1-05"))  # type: ignore[arg-type]
    recalibrated = {**raw, "params": {"a": 0.7, "b": 1.1, "steps": [-0.2, 0.2]}, "anchor": True}
    recalibrated["explanation"] = raw["explanation"] + " (diperbaiki)"
    assert item_fingerprint(recalibrated) == base
    assert item_fingerprint({**raw, "key": list(reversed(raw["key"]))}) == base  # a set
    assert item_fingerprint({**raw, "stem": raw["stem"] + " "}) != base
    assert item_fingerprint({**raw, "level": 4}) != base
    assert item_fingerprint({**raw, "key": ["a", "b"]}) != base


def test_fingerprint_of_ordering_key_depends_on_order() -> None:
    raw = find(read(BANK / "area-1.yaml")["items"], "IKD-1.1-07")
    assert item_fingerprint({**raw, "key": list(reversed(raw["key"]))}) != item_fingerprint(raw)


# --------------------------------------------------------------------------- rejections


def test_missing_key_is_named(tmp_path: Path, framework: Framework) -> None:
    directory = copy_bank(tmp_path)
    data = read(directory / "area-2.yaml")
    del find(data["items"], "IKD-2.3-04")["key"]
    write(directory / "area-2.yaml", data)
    problems = validate_bank(load_bank(directory), framework)
    assert problems == ["area-2.yaml, butir IKD-2.3-04: kunci jawaban (key) tidak diisi."]
    with pytest.raises(BankError) as exc:
        load_checked_bank(directory, framework)
    assert exc.value.problems == problems


def test_competence_without_items_is_named(tmp_path: Path, framework: Framework) -> None:
    directory = copy_bank(tmp_path)
    data = read(directory / "area-4.yaml")
    data["items"] = [i for i in data["items"] if i["competence"] != "4.3"]
    write(directory / "area-4.yaml", data)
    assert validate_bank(load_bank(directory), framework) == ["Kompetensi 4.3 tidak memiliki butir."]


def test_too_few_items_for_a_competence(tmp_path: Path, framework: Framework) -> None:
    directory = copy_bank(tmp_path)
    data = read(directory / "area-5.yaml")
    data["items"] = [i for i in data["items"] if i["id"] not in ("IKD-5.2-01", "IKD-5.2-02")]
    write(directory / "area-5.yaml", data)
    bank = load_bank(directory)
    assert validate_bank(bank, framework) == ["Kompetensi 5.2 hanya memiliki 5 butir; minimal 6."]
    assert validate_bank(bank, framework, min_per_competence=5) == []


def test_duplicate_item_id_across_files_is_named(tmp_path: Path, framework: Framework) -> None:
    directory = copy_bank(tmp_path)
    first = find(read(directory / "area-1.yaml")["items"], "IKD-1.1-01")
    data = read(directory / "area-3.yaml")
    data["items"].append({**first, "competence": "3.1"})
    write(directory / "area-3.yaml", data)
    assert validate_bank(load_bank(directory), framework) == [
        "area-3.yaml, butir IKD-1.1-01: id ganda; id ini sudah dipakai di area-1.yaml."
    ]


def test_changed_item_in_a_used_version_is_refused(tmp_path: Path, bank: Bank) -> None:
    used = bank.fingerprints()
    assert check_unchanged(bank, used) == []

    directory = copy_bank(tmp_path)
    data = read(directory / "area-1.yaml")
    item = find(data["items"], "IKD-1.1-03")
    item["params"] = {"a": 1.5, "b": -0.2}  # recalibration: allowed
    write(directory / "area-1.yaml", data)
    assert check_unchanged(load_bank(directory), used) == []

    item["stem"] = item["stem"].replace("PDF", "spreadsheet")
    write(directory / "area-1.yaml", data)
    assert check_unchanged(load_bank(directory), used) == [
        "Butir IKD-1.1-03 berubah padahal versi ikd-nasional-2026.1 sudah dipakai dalam ronde."
    ]


def test_used_version_refuses_added_and_removed_items(tmp_path: Path, bank: Bank) -> None:
    used = bank.fingerprints()
    directory = copy_bank(tmp_path)
    data = read(directory / "area-1.yaml")
    removed = find(data["items"], "IKD-1.2-01")
    data["items"].remove(removed)
    data["items"].append({**removed, "id": "IKD-1.2-99"})
    write(directory / "area-1.yaml", data)
    assert check_unchanged(load_bank(directory), used) == [
        "Butir IKD-1.2-99 ditambahkan ke versi ikd-nasional-2026.1 yang sudah dipakai dalam ronde; "
        "versi yang sudah dipakai dibekukan, terbitkan butir baru dalam versi bank yang baru.",
        "Butir IKD-1.2-01 dihapus padahal versi ikd-nasional-2026.1 sudah dipakai dalam ronde.",
    ]


def test_item_content_problems_are_named(tmp_path: Path, framework: Framework) -> None:
    directory = copy_bank(tmp_path)
    data = read(directory / "area-1.yaml")
    items = data["items"]
    find(items, "IKD-1.1-01")["key"] = "z"
    find(items, "IKD-1.1-02")["key"] = ["a", "c"]
    find(items, "IKD-1.1-03")["level"] = 5
    find(items, "IKD-1.1-04")["competence"] = "6.1"
    find(items, "IKD-1.1-05")["key"] = ["a"]
    find(items, "IKD-1.1-06")["options"].append({"id": "a", "text": "Opsi ganda"})
    find(items, "IKD-1.1-07")["key"] = ["c", "e", "a", "d"]
    find(items, "IKD-1.2-01")["params"] = {"a": 0, "steps": [-0.5, 0.5]}
    find(items, "IKD-1.2-02")["stem"] = "  "
    find(items, "IKD-1.2-03")["explanation"] = ""
    write(directory / "area-1.yaml", data)
    bank_data = read(directory / "bank.yaml")
    bank_data["bank"]["anchors"] = ["IKD-1.1-04", "IKD-9.9-99"]
    write(directory / "bank.yaml", bank_data)

    bank = load_bank(directory)
    assert bank.item("IKD-1.1-04").is_anchor  # type: ignore[union-attr]
    assert bank.anchors[0] == "IKD-1.1-04"
    single, multiple, ordering = (
        "butir single_choice harus memiliki tepat satu kunci jawaban (key), ada 2.",
        "butir multiple_response harus memiliki minimal dua kunci jawaban (key).",
        "kunci jawaban (key) butir ordering harus memuat setiap opsi tepat satu kali.",
    )
    problems = validate_bank(bank, framework)
    assert problems == [
        "bank.yaml: butir jangkar (anchors) IKD-9.9-99 tidak ada dalam bank.",
        "area-1.yaml, butir IKD-1.1-01: kunci jawaban (key) menyebut opsi yang tidak ada: z.",
        f"area-1.yaml, butir IKD-1.1-02: {single}",
        "area-1.yaml, butir IKD-1.1-03: tingkat (level) 5 tidak ada dalam kerangka digcomp-2.2 (1, 2, 3, 4).",
        "area-1.yaml, butir IKD-1.1-04: kompetensi (competence) 6.1 tidak ada dalam kerangka digcomp-2.2.",
        f"area-1.yaml, butir IKD-1.1-05: {multiple}",
        "area-1.yaml, butir IKD-1.1-06: id opsi a dipakai 2 kali (options).",
        f"area-1.yaml, butir IKD-1.1-07: {ordering}",
        "area-1.yaml, butir IKD-1.2-01: parameter a (params.a) harus angka lebih dari 0, tertulis 0.",
        "area-1.yaml, butir IKD-1.2-01: parameter b (params.b) tidak diisi.",
        "area-1.yaml, butir IKD-1.2-01: butir single_choice (skor 0/1) tidak boleh memiliki params.steps.",
        "area-1.yaml, butir IKD-1.2-02: pokok soal (stem) kosong.",
        "area-1.yaml, butir IKD-1.2-03: pembahasan (explanation) kosong.",
    ]


def test_structural_errors_raise_with_every_problem(tmp_path: Path) -> None:
    directory = copy_bank(tmp_path)
    data = read(directory / "area-2.yaml")
    data["items"][0]["competence"] = 2.1  # unquoted in YAML
    data["items"][1]["explanaton"] = "salah ketik"
    data["items"][2]["level"] = "dua"
    del data["items"][3]["id"]
    write(directory / "area-2.yaml", data)
    (directory / "area-6.yaml").write_text("items: []\n", encoding="utf-8")
    ids = [i["id"] for i in data["items"][:3]]
    with pytest.raises(BankError) as exc:
        load_bank(directory)
    assert exc.value.problems == [
        "bank.yaml, bank: area-6.yaml ada di direktori tetapi tidak tercantum di files.",
        f"area-2.yaml, butir {ids[0]}: kompetensi (competence) 2.1 harus ditulis sebagai teks "
        'bertanda kutip, misalnya "2.1".',
        f"area-2.yaml, butir {ids[1]}: kolom tidak dikenal explanaton (salah ketik?).",
        f"area-2.yaml, butir {ids[2]}: tingkat (level) harus bilangan bulat.",
        "area-2.yaml, butir ke-4: id tidak diisi.",
    ]
    assert isinstance(exc.value, ValueError)


def test_missing_item_file_and_bad_yaml(tmp_path: Path) -> None:
    directory = copy_bank(tmp_path)
    (directory / "area-5.yaml").unlink()
    (directory / "area-3.yaml").write_text("items: [\n", encoding="utf-8")
    with pytest.raises(BankError) as exc:
        load_bank(directory)
    assert len(exc.value.problems) == 2
    assert exc.value.problems[0].startswith("area-3.yaml baris ")
    assert "YAML tidak valid" in exc.value.problems[0]
    assert exc.value.problems[1].startswith("area-5.yaml: berkas tidak ditemukan")


def test_framework_structural_errors(tmp_path: Path) -> None:
    data = read(FRAMEWORK_22)
    data["areas"][3]["competences"][2]["code"] = "5.3"
    data["levels"].pop()
    path = tmp_path / "rusak.yaml"
    write(path, data)
    with pytest.raises(BankError) as exc:
        load_framework(path)
    assert "rusak.yaml, kompetensi 5.3: kode tidak diawali kode areanya (4.)." in exc.value.problems
    assert "rusak.yaml: kode kompetensi 5.3 muncul 2 kali." in exc.value.problems
    assert "rusak.yaml, kompetensi 1.1: levels memuat tingkat 4 yang tidak ada dalam kerangka." in (
        exc.value.problems
    )


def test_catalogue_problems(tmp_path: Path, framework: Framework) -> None:
    data = read(CATALOGUE)
    data["courses"][0]["competences"] = ["1.1", "9.9"]
    data["courses"][1]["level_from"] = 3
    data["courses"][2]["code"] = data["courses"][3]["code"]
    path = tmp_path / "katalog.yaml"
    write(path, data)
    with pytest.raises(BankError) as exc:
        load_training_catalogue(path, framework)
    assert exc.value.problems == [
        "katalog.yaml, pelatihan PDG-01: kompetensi 9.9 tidak ada dalam kerangka digcomp-2.2.",
        "katalog.yaml, pelatihan PDG-02: level_from lebih tinggi dari level_to.",
        "katalog.yaml: kode pelatihan PDG-04 muncul 2 kali.",
    ]
