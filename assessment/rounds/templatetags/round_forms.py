"""``{% round_forms round as summary %}``: the round page's summary of its parallel forms."""

from __future__ import annotations

from django import template

from assessment.rounds.models import Round
from assessment.rounds.services.parallel import FormsSummary, forms_summary

register = template.Library()


@register.simple_tag
def round_forms(round_: Round) -> FormsSummary:
    return forms_summary(round_)
