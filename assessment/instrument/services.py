"""Loading frameworks and item banks from the versioned data files into the public schema.

Validation lives in ``assessment.instrument.files``; this module writes what passed, all or nothing.
A bank a round has used (``locked_at``) keeps its items: only their parameters may change
(calibration); any other change is refused, to be published as a new version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessment.instrument import files
from assessment.instrument.models import Area, Competence, Framework, Item, ItemBank, ProficiencyLevel

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class LoadResult:
    frameworks: list[str]
    banks: list[str]
    items: int


def _sync(
    queryset: QuerySet[M],
    key: str,
    wanted: Mapping[Any, dict[str, Any]],
    make: Callable[[Any, dict[str, Any]], M],
) -> dict[Any, M]:
    """Bring the rows of ``queryset`` to ``wanted`` (key -> field values): create the missing ones and
    update only the ones that differ. One read, then writes only for what changed: a reload at every
    deploy (and the tests' many loads) writes nothing when the files did not change. Returns the wanted
    rows by key. Rows not wanted are left to the caller."""
    stored = {getattr(row, key): row for row in queryset}
    new: list[M] = []
    changed: list[M] = []
    fields: set[str] = set()
    for name, values in wanted.items():
        row = stored.get(name)
        if row is None:
            new.append(make(name, values))
        elif any(getattr(row, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            changed.append(row)
            fields.update(values)
    manager = queryset.model._default_manager
    manager.bulk_create(new)  # PostgreSQL returns the new ids
    if changed:
        manager.bulk_update(changed, sorted(fields))
    rows = {**stored, **{getattr(row, key): row for row in new}}
    return {name: rows[name] for name in wanted}


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
    _sync(
        ProficiencyLevel.objects.filter(framework=framework),
        "number",
        {
            level.number: {
                "code": level.code,
                "name_id": level.name_id,
                "name_en": level.name_en,
                "description_id": level.description_id,
                "description_en": level.description_en,
            }
            for level in data.levels
        },
        lambda number, values: ProficiencyLevel(framework=framework, number=number, **values),
    )
    areas = _sync(
        Area.objects.filter(framework=framework),
        "code",
        {
            area.code: {
                "name_id": area.name_id,
                "name_en": area.name_en,
                "description_id": area.description_id,
                "description_en": area.description_en,
                "order": order,
            }
            for order, area in enumerate(data.areas)
        },
        lambda code, values: Area(framework=framework, code=code, **values),
    )
    _sync(
        Competence.objects.filter(framework=framework),
        "code",
        {
            competence.code: {
                "area_id": areas[competence.area_code].pk,
                "name_id": competence.name_id,
                "name_en": competence.name_en,
                "description_id": competence.description_id,
                "description_en": competence.description_en,
                "order": order,
                "level_descriptors": {
                    str(lv.number): {"id": lv.description_id, "en": lv.description_en}
                    for lv in competence.levels
                },
            }
            for order, competence in enumerate(data.competences)
        },
        lambda code, values: Competence(framework=framework, code=code, **values),
    )
    return framework


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
    competences = dict(Competence.objects.filter(framework=framework).values_list("code", "pk"))
    bank.items.exclude(code__in=[item.id for item in data.items]).delete()  # only reachable while unlocked
    params = {item.id: item.params for item in data.items}
    _sync(
        bank.items.all(),
        "code",
        {
            item.id: {
                "competence_id": competences[item.competence],
                "level": item.level,
                "type": item.type,
                "stem": item.stem,
                "stimulus": item.stimulus,
                "explanation": item.explanation,
                "options": [{"id": o.id, "text": o.text} for o in item.options],
                "key": list(item.key),
                **({} if calibrated else {"params": item.params}),
                "is_anchor": item.is_anchor,
                "tags": list(item.tags),
                "fingerprint": item.fingerprint,
            }
            for item in data.items
        },
        # A new item gets the file's parameters even in a calibrated bank (it has no calibrated ones).
        lambda code, values: Item(bank=bank, code=code, **{"params": params[code], **values}),
    )
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
