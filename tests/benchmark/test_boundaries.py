"""The benchmark app receives plain figures: it never imports the assessment app (people, answers, scores)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_benchmark_never_imports_assessment() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "assessment"
        )
        for path in (ROOT / "benchmark").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_benchmark_tables_hold_no_personal_fields() -> None:
    from benchmark import models

    personal = {"nip", "nik", "email", "name", "full_name", "birth_date", "employee", "attempt", "user"}
    for model in (models.Publication, models.PublishedCell, models.Naming, models.Event):
        names = {field.name for field in model._meta.get_fields()}
        assert not (names & personal), model.__name__
