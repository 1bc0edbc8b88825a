from __future__ import annotations

from typing import Any

from assessment.rounds.models import Round, RoundEvent


def record(round_: Round, actor: Any, action: str, **details: Any) -> RoundEvent:
    actor_id = getattr(actor, "pk", None)
    return RoundEvent.objects.create(round=round_, actor_id=actor_id, action=action, details=details)
