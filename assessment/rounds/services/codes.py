"""Personal access codes: derived, not stored.

A code is an HMAC of the region's schema, the round, the participant and a version number, so it can
be printed at any time, checking it costs microseconds (no password hashing in a start storm of
thousands of logins a minute; a random 8-symbol code has 40 bits of entropy and the NIP is needed too),
and revoking it is bumping the version.

Wrong codes are limited by the sign-in view, per client (config.ratelimit.FailureLimits): counted per
NIP alone, ten wrong codes from anybody used to lock the employee's right code for 15 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from assessment.rounds.models import Participant, Round
from assessment.rounds.services.audit import record
from audit import services as audit_trail
from config.compiled_query import CompiledQuery
from tenants.schemas import current_schema

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are typed from paper
LENGTH = 8


def _key() -> bytes:
    return hashlib.sha256(b"ikd-access-code|" + settings.SECRET_KEY.encode()).digest()


def code_for(participant: Participant) -> str:
    message = (
        f"{current_schema()}|{participant.round_id}|{participant.pk}|{participant.code_version}".encode()
    )
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    symbols = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return "".join(symbols)


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


# A published round's code still opens the employee's own result, and so does a closed round's when it
# shows results at once (the result was promised from the submit on). The round is not loaded: signing
# in needs only the participant. Compiled once per process (config.compiled_query): a start storm's
# every sign-in asks it.
_CANDIDATES: CompiledQuery[Participant] = CompiledQuery(
    lambda nip: Participant.objects.filter(
        Q(round__state__in=[Round.State.OPEN, Round.State.PUBLISHED])
        | Q(round__state=Round.State.CLOSED, round__result_timing=Round.ResultTiming.IMMEDIATE),
        employee__nip=nip,
        employee__is_active=True,
    ),
    marker="compiled-query-marker",
)


def check_login(nip: str, code: str) -> Participant | None:
    """The participant of an open (or published) round with this NIP and code; None if no match.
    Counts nothing: the caller limits wrong tries per client (``taker_views.taker_login``)."""
    typed = normalise_code(code)
    for participant in _CANDIDATES.all(nip):
        if hmac.compare_digest(code_for(participant), typed):
            audit_trail.taker_signed_in(participant)  # the employee by id: never the NIP or the code
            return participant
    audit_trail.taker_sign_in_failed(nip, "mismatch")
    return None


def open_participant_of(user: Any) -> Participant | None:
    """The open-round participant of an employee who signed in by emailed code (allauth)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Participant.objects.filter(
            employee__user=user, employee__is_active=True, round__state=Round.State.OPEN
        )
        .select_related("round")
        .order_by("-round__created_at")
        .first()
    )


@transaction.atomic
def revoke(participant: Participant, actor: Any) -> str:
    """Invalidate the printed code and return the new one."""
    Participant.objects.filter(pk=participant.pk).update(code_version=F("code_version") + 1)
    participant.refresh_from_db()
    record(
        participant.round,
        actor,
        "code_revoked",
        nip=participant.employee.nip,
        employee=participant.employee_id,  # what the audit trail keeps instead of the NIP
        version=participant.code_version,
    )
    return code_for(participant)
