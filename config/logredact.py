"""What counts as a secret in a log line, and the filters that take it out.

Logs are read by more people than the data (operators, a log shipper, whoever sees the demo's console),
so no NIP, password, access code or token may reach them. The app never logs one on purpose (tests/
test_no_secrets_in_logs.py plays the flows that handle them); this is the net under that for what
frameworks log by themselves: the address of a request. Some addresses carry a key in their path (a
password-reset link, an email confirmation, the post-signup sign-in link, an operator's enrolment link),
and Django logs the path of every 4xx/5xx answer, gunicorn and nginx the path of every request.

:func:`redact` masks such keys, values of secret-named query parameters and 18-digit numbers (a NIP or NI
PPPK). :class:`RedactingFilter` applies it to log records (settings ``LOGGING``: on the loggers that write
request paths, so the record is clean before any handler sees it, and on the console handler);
:class:`GunicornLogger` to gunicorn's access log (``--logger-class config.logredact.GunicornLogger``).
deploy/nginx.conf does the same for nginx's access log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

MASK = "[redacted]"

# Path prefixes whose next segment is a key (allauth's and the project's URLs).
_KEY_PATHS = re.compile(
    r"(/(?:akun/password/reset/key|akun/confirm-email|masuk/token|akun/2fa/daftar)/)[^/\s?#\"']+",
)
_SECRET_QUERY = re.compile(r"([?&](?:code|token|key|password|nip|signature)=)[^&\s#\"']*", re.IGNORECASE)
_NIP = re.compile(r"(?<!\d)\d{18}(?!\d)")


def redact(text: str) -> str:
    """``text`` with keys in known paths, secret query values and NIP-like numbers masked."""
    text = _KEY_PATHS.sub(rf"\g<1>{MASK}", text)
    text = _SECRET_QUERY.sub(rf"\g<1>{MASK}", text)
    return _NIP.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message holds a secret; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # A traceback quotes values too (a unique-key error names the NIP): format it here, redacted; the
        # handler's formatter then uses this text instead of formatting the exception itself.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with every access-log field redacted (request line, path, query, referer…)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}
