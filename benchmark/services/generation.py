"""The generation token: one value that names the current state of every publication.

The national figures are cached under keys that carry it (``national``); every change to what is
published (a publication, a withdrawal, a change of naming) bumps it, so no page serves figures of an
earlier state. A random token rather than a counter: a rolled-back change never leaves a value that a
later, different change would take again (which would serve figures cached for the first).
"""

from __future__ import annotations

import secrets

from benchmark.models import Generation


def current() -> int:
    return Generation.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def bump() -> None:
    Generation.objects.update_or_create(pk=1, defaults={"value": secrets.randbits(62)})
