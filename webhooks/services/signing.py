"""Signing a webhook like Stripe does, and the check a receiver runs (``verify``, copied in docs/webhooks.md).

Header ``IKD-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. The timestamp is
inside the signed text, so a captured request cannot be replayed later than the receiver's tolerance
(5 minutes by default); each attempt is signed afresh with its own time. ``v1`` names the scheme, so a
later scheme can be sent beside it while receivers move over (a receiver accepts any v1 that matches).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "IKD-Signature"
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """The request was not signed with the secret, or not recently."""


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``IKD-Signature`` header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    payload: bytes, header: str, secret: str, tolerance: int = DEFAULT_TOLERANCE, now: float | None = None
) -> int:
    """Check a received request: ``payload`` the raw body as received (not re-serialised JSON),
    ``header`` the ``IKD-Signature`` value. Returns the signed timestamp; raises SignatureError."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("no timestamp or no v1 signature in the header")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature does not match")
    current = time.time() if now is None else now
    if tolerance > 0 and abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return timestamp
