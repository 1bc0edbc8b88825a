"""The region's training catalogue: seeded from the default catalogue file, then the region's own."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction

from assessment.instrument import files
from assessment.instrument.services import DATA_DIR
from assessment.results.models import TrainingCourse

DEFAULT_CATALOGUE = DATA_DIR / "training" / "katalog-default.yaml"


@transaction.atomic
def ensure_seeded() -> None:
    """Copy the default catalogue into the region's schema the first time it is needed."""
    if TrainingCourse.objects.exists():
        return
    catalogue = files.load_training_catalogue(DEFAULT_CATALOGUE)
    TrainingCourse.objects.bulk_create(
        [TrainingCourse(**{**_fields(c), "competences": list(c.competences)}) for c in catalogue.courses]
    )


def _fields(course: files.Course | TrainingCourse) -> dict[str, Any]:
    return {f.name: getattr(course, f.name) for f in dataclasses.fields(files.Course)}


def courses() -> list[files.Course]:
    """The courses a region offers, as the planning functions take them."""
    ensure_seeded()
    return [
        files.Course(**{**_fields(c), "competences": tuple(c.competences)})
        for c in TrainingCourse.objects.filter(active=True)
    ]
