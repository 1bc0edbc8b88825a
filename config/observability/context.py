"""The current request id, in a context variable (one per thread or asyncio task).

Set by the middleware when a request comes in; cleared when Django signals the request finished (after
``django.request`` has logged a 4xx/5xx answer, which happens outside the middleware chain).
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# What a proxy or client may choose: nginx's $request_id (32 hex), a UUID, a trace id. Anything else
# (too long, spaces, quotes, control characters) is replaced, so a log line is never forged through it.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_request_id: ContextVar[str | None] = ContextVar("ikd_request_id", default=None)


def new_request_id(offered: str | None) -> str:
    """``offered`` when it is a sane id, else a new one (32 hex digits, like nginx's)."""
    if offered and _SANE.fullmatch(offered):
        return offered
    return os.urandom(16).hex()


def set_request_id(value: str | None) -> None:
    _request_id.set(value)


def request_id() -> str | None:
    return _request_id.get()
