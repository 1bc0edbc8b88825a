"""``{% load results_basis %}``: what a round's figures rest on, in one sentence, for every results page."""

from __future__ import annotations

from typing import Any

from django import template

from assessment.instrument.basis import ParameterBasis

register = template.Library()


@register.filter
def basis_sentence(parameters: dict[str, Any] | None) -> str:
    """The sentence for a scoring run's ``parameters`` (provisional, or calibrated with date and size)."""
    return ParameterBasis.from_json(parameters).sentence()


@register.filter
def basis_provisional(parameters: dict[str, Any] | None) -> bool:
    return ParameterBasis.from_json(parameters).provisional
