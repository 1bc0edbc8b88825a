"""What the round page says about a round's parallel forms (issue #17).

The forms themselves are built by ``assessment.instrument.assembly.assemble_forms`` when the round is
scheduled and handed out by ``taking.start``; this module only reads them back for the region admin: how
many forms, how long, the anchors (those on every form, on each form, and in all: a bank with more
anchors per area than half of the area's places gives each form a subset, see the assembly module),
how many other items sit on more than one form (where the bank ran short of items for fully separate
forms), each form's mean difficulty and how many attempts each has started. Two queries: the forms'
items, and the attempts counted per form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from assessment.instrument.models import Item
from assessment.rounds.models import Attempt, Round


@dataclass(frozen=True)
class FormFacts:
    number: int  # 1-based, as the page shows it
    items: int
    mean_b: float | None  # mean difficulty of the form's items (None: no item has parameters)
    started: int  # attempts started on this form


@dataclass(frozen=True)
class FormsSummary:
    count: int  # forms built, or asked for while the round is a draft
    built: bool
    length: int  # items per form
    anchors: int  # anchor items on every form
    shared: int  # other items on more than one form
    union: int  # distinct items over all forms
    forms: tuple[FormFacts, ...]
    anchors_per_form: int = 0  # anchor items on each form (the most on one form)
    anchors_used: int = 0  # anchor items on any form


def forms_summary(round_: Round) -> FormsSummary:
    """The round's forms as built, or (a draft) as asked for."""
    forms = [list(form) for form in round_.forms] or ([list(round_.form_items)] if round_.form_items else [])
    if not forms:
        return FormsSummary(round_.form_count, False, round_.form_length, 0, 0, 0, ())
    union = {code for form in forms for code in form}
    items = {
        item.code: item
        for item in Item.objects.filter(bank_id=round_.bank_id, code__in=union).only(
            "code", "is_anchor", "params"
        )
    }
    started = dict(
        Attempt.objects.filter(participant__round=round_)
        .values_list("form")
        .annotate(n=Count("id"))
        .values_list("form", "n")
    )
    on_every = set.intersection(*(set(form) for form in forms))
    anchors = sum(1 for code in on_every if code in items and items[code].is_anchor)
    uses: dict[str, int] = {}
    for form in forms:
        for code in form:
            uses[code] = uses.get(code, 0) + 1
    shared = sum(1 for code, n in uses.items() if n > 1 and not (code in items and items[code].is_anchor))
    anchor_codes = {code for code, item in items.items() if item.is_anchor}
    facts = []
    for number, form in enumerate(forms, start=1):
        bs = [float(items[c].params["b"]) for c in form if c in items and "b" in (items[c].params or {})]
        facts.append(
            FormFacts(number, len(form), sum(bs) / len(bs) if bs else None, started.get(number - 1, 0))
        )
    return FormsSummary(
        count=len(forms),
        built=True,
        length=max(len(form) for form in forms),
        anchors=anchors,
        shared=shared,
        union=len(union),
        forms=tuple(facts),
        anchors_per_form=max(len(anchor_codes.intersection(form)) for form in forms),
        anchors_used=len(anchor_codes),
    )
