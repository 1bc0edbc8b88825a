"""Rules for a region's own items: the same structure as national items, checked the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.authoring.models import LocalItem
from assessment.instrument.models import Competence, Framework


class LocalItemError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class LocalItemData:
    competence: str
    level: int
    type: str
    stem: str
    options_text: str  # one option per line
    key_text: str  # option letters, e.g. "b" or "a, c"
    explanation: str


def competence_choices() -> list[tuple[str, str]]:
    """Competences of the newest framework a national bank uses (DigComp 2.2 today)."""
    framework = Framework.objects.filter(banks__isnull=False).order_by("-loaded_at").first()
    if framework is None:
        return []
    return [(c.code, f"{c.code} {c.name_id}") for c in Competence.objects.filter(framework=framework)]


def parse(data: LocalItemData) -> dict[str, Any]:
    errors: dict[str, str] = {}
    lines = [line.strip() for line in data.options_text.splitlines() if line.strip()]
    letters = "abcdefgh"
    if not 2 <= len(lines) <= len(letters):
        errors["options_text"] = _("Write between 2 and 8 options, one per line.")
    options = [{"id": letters[i], "text": text} for i, text in enumerate(lines[: len(letters)])]
    key = sorted(
        {part.strip().lower() for part in data.key_text.replace(";", ",").split(",") if part.strip()}
    )
    unknown = [k for k in key if k not in {o["id"] for o in options}]
    if unknown:
        errors["key_text"] = _("The key names options that do not exist: %(keys)s.") % {
            "keys": ", ".join(unknown)
        }
    elif data.type == LocalItem.Type.SINGLE_CHOICE and len(key) != 1:
        errors["key_text"] = _("A single-choice item has exactly one correct option.")
    elif data.type == LocalItem.Type.MULTIPLE_RESPONSE and not 2 <= len(key) < len(options):
        errors["key_text"] = _("A multiple-response item has at least two correct options and one wrong one.")
    if data.competence not in dict(competence_choices()):
        errors["competence"] = _("Choose a competence of the national framework.")
    if not 1 <= data.level <= 4:
        errors["level"] = _("Choose a level from 1 to 4.")
    if not data.stem.strip():
        errors["stem"] = _("Write the question.")
    if not data.explanation.strip():
        errors["explanation"] = _("Explain the correct answer briefly.")
    if errors:
        raise LocalItemError(errors)
    return {
        "competence": data.competence,
        "level": data.level,
        "type": data.type,
        "stem": data.stem.strip(),
        "options": options,
        "key": key,
        "explanation": data.explanation.strip(),
    }


@transaction.atomic
def save_local_item(item: LocalItem | None, data: LocalItemData, author: Any) -> LocalItem:
    values = parse(data)
    if item is None:
        number = LocalItem.objects.count() + 1
        while LocalItem.objects.filter(code=f"LOK-{number:04d}").exists():
            number += 1
        item = LocalItem(code=f"LOK-{number:04d}", created_by=author)
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    return item
