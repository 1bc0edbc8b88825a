"""The generation token: one value that names the current state of every publication.

The national figures are cached under keys that carry it (``national``); every change to what is
published (a publication, a withdrawal, a change of naming) bumps it, so no page serves figures of an
earlier state. A random token rather than a counter: a rolled-back change never leaves a value that a
later, different change would take again (which would serve figures cached for the first).

The token is read once per request (``request_started`` opens a pin, ``request_finished`` closes it) and
once per warm-up run (``pinned``): every figure of one page then comes from the same state, and a page asks
PostgreSQL for the token once rather than once per figure. Reading the token *before* the figures keeps a
race harmless: figures read after it are at least as new as it, so a key never names older figures.

Built, then switched (issue #20: no viewer pays for a publication). Building every page of a new state
takes the warm-up task seconds at national scale (``benchmark.prebuild``); a viewer arriving meanwhile
would build pages themselves. So a publication marks its token *warming* for at most ``WARMING_SECONDS``
(in the same row and transaction), and requests keep reading the last token whose pages the warm-up
finished (``served``, set by :func:`built`) until the new one is built: the portal shows the previous
state for those seconds, from its prebuilt pages, and then the new one. Should the warm-up not come (no
worker), the mark expires and requests read the new token, building what they ask for, as before. A
change that must show at once (a withdrawal, a change of naming: what may be shown at all) is made with
``at_once=True``: it is never marked warming, so the next request reads it. Outside requests (tasks,
commands, the warm-up itself) the token is always PostgreSQL's.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from benchmark.models import Generation

# Sent once a change to the benchmark has committed: ``benchmark.apps`` connects the warm-up task to it,
# so that the services never import the tasks (dependencies point one way: tasks -> services).
changed = Signal()

_pin = threading.local()  # .active: a request or a warm-up holds the token; .value: the token read; .viewer
WARMING_SECONDS = 120  # how long requests keep the previous state while a change's pages are built


def _read() -> int:
    return Generation.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def _read_for_viewer() -> int:
    """The token a request serves: PostgreSQL's, or the last built one while PostgreSQL's is warming.
    One query, as before: the three values live in the same row, so a restored or rolled-back database
    never points requests at a state it does not hold."""
    row = Generation.objects.filter(pk=1).values_list("value", "served", "warming_until").first()
    if row is None:
        return 0
    value, served, warming_until = row
    if (
        served is not None
        and served != value
        and warming_until is not None
        and warming_until > timezone.now()
    ):
        return int(served)
    return int(value)


def current() -> int:
    if getattr(_pin, "active", False):
        value = getattr(_pin, "value", None)
        if value is None:
            value = _pin.value = _read_for_viewer() if getattr(_pin, "viewer", False) else _read()
        return int(value)
    return _read()


def bump(*, at_once: bool = False) -> None:
    """Renew the token. Once the change commits, the warm-up is told (``changed``); unless ``at_once``,
    requests serve the previous state's built pages until the warm-up has built the new one (at most
    ``WARMING_SECONDS``). The wait is written with the token, in the change's transaction."""
    value = secrets.randbits(62)
    defaults: dict[str, Any] = {"value": value}
    if at_once:
        # Every state built before this change may show what it removed: none is served again, not even
        # while a later publication is being built, and no warm-up that started before it commits may
        # switch to its own (older) state (``built``).
        defaults.update(warming_until=None, served=None, served_started=time.time())
    else:
        defaults["warming_until"] = timezone.now() + timedelta(seconds=WARMING_SECONDS)
    Generation.objects.update_or_create(pk=1, defaults=defaults)
    if getattr(_pin, "active", False):
        _pin.value = None  # read again: the change may yet roll back
    transaction.on_commit(lambda: _committed(value, at_once))


def _committed(value: int, at_once: bool) -> None:
    if at_once:  # a warm-up that started between the change and its commit read the state before it
        Generation.objects.filter(pk=1).update(served=None, served_started=time.time())
    changed.send(sender=Generation, value=value)


def built(value: int, started: float) -> bool:
    """The warm-up that read ``value`` at ``started`` (``time.time()``) has built every page of it:
    requests switch to it, unless a run that started later has already switched (two workers may finish
    out of order; a later start read a state at least as new). Whether it switched. During a long batch
    of publications the portal so moves on by whole built states, never waiting for the batch's end."""
    later_served = Q(served_started__isnull=False) & Q(served_started__gt=started)
    return bool(
        Generation.objects.filter(pk=1).exclude(later_served).update(served=value, served_started=started)
    )


def abandon(value: int) -> None:
    """No warm-up will come for ``value`` (the broker refused it): requests read it now."""
    Generation.objects.filter(pk=1, value=value).update(warming_until=None)


@contextmanager
def pinned() -> Iterator[int]:
    """Hold one token for a whole run (the warm-up builds everything under the token it read first)."""
    before = (getattr(_pin, "active", False), getattr(_pin, "value", None), getattr(_pin, "viewer", False))
    _pin.active, _pin.value, _pin.viewer = True, _read(), False
    try:
        yield int(_pin.value)
    finally:
        _pin.active, _pin.value, _pin.viewer = before


def open_pin(sender: Any = None, **kwargs: Any) -> None:
    _pin.active, _pin.value, _pin.viewer = True, None, True


def close_pin(sender: Any = None, **kwargs: Any) -> None:
    _pin.active, _pin.value, _pin.viewer = False, None, False
