"""The generation token: one value that names the current state of every publication.

The national figures are cached under keys that carry it (``national``); every change to what is
published (a publication, a withdrawal, a change of naming) bumps it, so no page serves figures of an
earlier state. A random token rather than a counter: a rolled-back change never leaves a value that a
later, different change would take again (which would serve figures cached for the first).

The token is read once per request (``request_started`` opens a pin, ``request_finished`` closes it) and
once per warm-up run (``pinned``): every figure of one page then comes from the same state, and a page asks
PostgreSQL for the token once rather than once per figure. Reading the token *before* the figures keeps a
race harmless: figures read after it are at least as new as it, so a key never names older figures.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from benchmark.models import Generation

# Sent once a change to the benchmark has committed: ``benchmark.apps`` connects the warm-up task to it,
# so that the services never import the tasks (dependencies point one way: tasks -> services).
changed = Signal()

_pin = threading.local()  # .active: a request or a warm-up holds the token; .value: the token read


def _read() -> int:
    return Generation.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def current() -> int:
    if getattr(_pin, "active", False):
        value = getattr(_pin, "value", None)
        if value is None:
            value = _pin.value = _read()
        return int(value)
    return _read()


def bump() -> None:
    value = secrets.randbits(62)
    Generation.objects.update_or_create(pk=1, defaults={"value": value})
    if getattr(_pin, "active", False):
        _pin.value = None  # read again: the change may yet roll back
    transaction.on_commit(lambda: changed.send(sender=Generation, value=value))


@contextmanager
def pinned() -> Iterator[int]:
    """Hold one token for a whole run (the warm-up builds everything under the token it read first)."""
    before = (getattr(_pin, "active", False), getattr(_pin, "value", None))
    _pin.active, _pin.value = True, _read()
    try:
        yield int(_pin.value)
    finally:
        _pin.active, _pin.value = before


def open_pin(sender: Any = None, **kwargs: Any) -> None:
    _pin.active, _pin.value = True, None


def close_pin(sender: Any = None, **kwargs: Any) -> None:
    _pin.active, _pin.value = False, None
