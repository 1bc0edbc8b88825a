"""Loading frameworks and item banks from the versioned data files into the public schema.

Validation lives in ``assessment.instrument.files``; this module writes what passed, all or nothing.
A bank a round has used (``locked_at``) keeps its items: only their parameters may change
(calibration); any other change is refused, to be published as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from assessment.instrument import files
from assessment.instrument.models import Area, Competence, Framework, Item, ItemBank, ProficiencyLevel

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class LoadResult:
    frameworks: list[str]
    banks: list[str]
    items: int


@transaction.atomic
def store_framework(data: files.Framework) -> Framework:
    framework, _ = Framework.objects.update_or_create(
        code=data.code,
        version=data.version,
        defaults={
            "name_id": data.name_id,
            "name_en": data.name_en,
            "source": data.source,
            "licence": data.licence,
        },
    )
    for level in data.levels:
        ProficiencyLevel.objects.update_or_create(
            framework=framework,
            number=level.number,
            defaults={
                "code": level.code,
                "name_id": level.name_id,
                "name_en": level.name_en,
                "description_id": level.description_id,
                "description_en": level.description_en,
            },
        )
    areas = {}
    for order, area in enumerate(data.areas):
        areas[area.code], _ = Area.objects.update_or_create(
            framework=framework,
            code=area.code,
            defaults={
                "name_id": area.name_id,
                "name_en": area.name_en,
                "description_id": area.description_id,
                "description_en": area.description_en,
                "order": order,
            },
        )
    for order, competence in enumerate(data.competences):
        Competence.objects.update_or_create(
            framework=framework,
            code=competence.code,
            defaults={
                "area": areas[competence.area_code],
                "name_id": competence.name_id,
                "name_en": competence.name_en,
                "description_id": competence.description_id,
                "description_en": competence.description_en,
                "order": order,
                "level_descriptors": {
                    str(lv.number): {"id": lv.description_id, "en": lv.description_en}
                    for lv in competence.levels
                },
            },
        )
    return framework


# What a reload compares and writes for each item (``params`` too, unless calibrated parameters were
# accepted for the bank).
_ITEM_FIELDS = [
    "competence_id",
    "level",
    "type",
    "stem",
    "stimulus",
    "explanation",
    "options",
    "key",
    "is_anchor",
    "tags",
    "fingerprint",
]


@transaction.atomic
def store_bank(data: files.Bank, framework_data: files.Framework) -> ItemBank:
    """Validate and store a bank; raise files.BankError with every problem, writing nothing."""
    problems = files.validate_bank(data, framework_data)
    existing = ItemBank.objects.filter(code=data.code, version=data.version).first()
    if existing is not None and existing.locked_at is not None:
        used = dict(existing.items.values_list("code", "fingerprint"))
        problems += files.check_unchanged(data, used)
    if problems:
        raise files.BankError(problems)
    framework = Framework.objects.get(code=data.framework_code, version=data.framework_version)
    # Parameters an operator accepted from a calibration outrank the provisional ones in the files:
    # reloading the files at a deploy must not undo them.
    calibrated = existing is not None and existing.parameter_sets.filter(accepted_at__isnull=False).exists()
    defaults = {"framework": framework, "title_id": data.title_id, "title_en": data.title_en}
    if not calibrated:
        defaults["parameters"] = data.parameters or "provisional"
    bank, _ = ItemBank.objects.update_or_create(code=data.code, version=data.version, defaults=defaults)
    competences = {c.code: c for c in Competence.objects.filter(framework=framework)}
    bank.items.exclude(code__in=[item.id for item in data.items]).delete()  # only reachable while unlocked
    # One read of the stored items, then only what differs is written: a reload at every deploy (and
    # the tests' many loads) writes nothing when the files did not change.
    stored = {item.code: item for item in bank.items.all()}
    fields = [*_ITEM_FIELDS, *([] if calibrated else ["params"])]
    new, changed = [], []
    for item in data.items:
        values = {
            "competence_id": competences[item.competence].pk,
            "level": item.level,
            "type": item.type,
            "stem": item.stem,
            "stimulus": item.stimulus,
            "explanation": item.explanation,
            "options": [{"id": o.id, "text": o.text} for o in item.options],
            "key": list(item.key),
            "params": item.params,
            "is_anchor": item.is_anchor,
            "tags": list(item.tags),
            "fingerprint": item.fingerprint,
        }
        current = stored.get(item.id)
        if current is None:
            new.append(Item(bank=bank, code=item.id, **values))
        elif any(getattr(current, name) != values[name] for name in fields):
            for name in fields:
                setattr(current, name, values[name])
            changed.append(current)
    Item.objects.bulk_create(new)
    Item.objects.bulk_update(changed, fields)
    return bank


def load_all(data_dir: Path = DATA_DIR) -> LoadResult:
    """Every framework in ``frameworks/`` and every bank in ``banks/``, each checked before it is stored."""
    frameworks = {}
    for path in sorted((data_dir / "frameworks").glob("*.yaml")):
        parsed = files.load_framework(path)
        store_framework(parsed)
        frameworks[(parsed.code, parsed.version)] = parsed
    banks, items = [], 0
    for directory in sorted(p for p in (data_dir / "banks").iterdir() if (p / "bank.yaml").exists()):
        bank = files.load_bank(directory)
        framework = frameworks.get((bank.framework_code, bank.framework_version))
        if framework is None:
            raise files.BankError([f"{directory.name}: kerangka {bank.framework_key} tidak ditemukan."])
        store_bank(bank, framework)
        banks.append(bank.label)
        items += len(bank.items)
    return LoadResult([f"{c}-{v}" for c, v in frameworks], banks, items)


def lock_bank(bank: ItemBank) -> None:
    """Called when a round starts using a bank: from now on its items are frozen."""
    if bank.locked_at is None:
        bank.locked_at = timezone.now()
        bank.save(update_fields=["locked_at"])
