"""A round's session windows: the one open now, and the next one.

Its own module because both the round's life (``lifecycle``) and test taking (``taking``) ask it, and
closing a round submits the attempts still in progress (``lifecycle`` calls ``taking.submit``): with the
windows here, ``lifecycle`` depends on ``taking`` and not the other way round.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from assessment.rounds.models import Round, Session


def current_session(round_: Round, now: datetime | None = None) -> Session | None:
    """The session whose window holds ``now``; None outside every window."""
    now = now or timezone.now()
    return round_.sessions.filter(starts_at__lte=now, ends_at__gte=now).first()


def next_session(round_: Round, now: datetime | None = None) -> Session | None:
    """The first session of the round that starts after ``now``; None when none is left."""
    now = now or timezone.now()
    return round_.sessions.filter(starts_at__gt=now).order_by("starts_at").first()
