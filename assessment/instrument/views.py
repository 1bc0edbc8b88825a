"""The national instrument, as region staff and national viewers see it: never the items themselves."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import access
from accounts.roles import Role
from assessment.instrument.models import Framework, Item, ItemBank

VIEWERS = [Role.REGION_ADMIN, Role.UNIT_COORDINATOR, Role.NATIONAL_VIEWER, Role.PLATFORM_OPERATOR]


@access(roles=VIEWERS)
def catalogue(request: HttpRequest) -> HttpResponse:
    banks = list(ItemBank.objects.select_related("framework").annotate(n=Count("items")))
    counts: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for row in Item.objects.values("bank_id", "competence__code", "level").annotate(n=Count("id")):
        counts[row["bank_id"]][(row["competence__code"], row["level"])] = row["n"]
    sections = []
    for bank in banks:
        framework = bank.framework
        levels = list(framework.levels.all())
        areas = []
        for area in framework.areas.prefetch_related("competences"):
            competences = [
                (c, [counts[bank.pk].get((c.code, level.number), 0) for level in levels])
                for c in area.competences.all()
            ]
            areas.append((area, competences))
        sections.append({"bank": bank, "framework": framework, "levels": levels, "areas": areas})
    frameworks = Framework.objects.annotate(banks_count=Count("banks"))
    return render(request, "instrument/catalogue.html", {"sections": sections, "frameworks": frameworks})
