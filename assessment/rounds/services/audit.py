from __future__ import annotations

from typing import Any

from assessment.rounds.models import Round, RoundEvent
from audit import services as audit_trail


def record(round_: Round, actor: Any, action: str, **details: Any) -> RoundEvent:
    actor_id = getattr(actor, "pk", None)
    # The round page's own timeline, and the region's audit trail (which drops the NIP from details).
    audit_trail.record(f"round.{action}", actor=actor, subject=round_, **details)
    return RoundEvent.objects.create(round=round_, actor_id=actor_id, action=action, details=details)
