"""The events a region sends to its webhook endpoints, and ``emit``, the one call other apps make.

Why a separate module with no model imports at module level: callers (rounds, results, imports,
training) import it without loading this app's models, and it knows nothing of theirs: a caller
passes plain, JSON-serialisable data (ids, codes, counts), never model instances, so the payload
format is decided where the event happens and stays stable.

``emit`` works in the current tenant schema. It records one ``Delivery`` per active endpoint that
subscribed to the event, inside the caller's transaction, and queues the sends with
``transaction.on_commit``: a change that is rolled back leaves no delivery and sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Event(StrEnum):
    ROUND_OPENED = "round.opened"
    ROUND_CLOSED = "round.closed"
    RESULTS_ANNOUNCED = "results.announced"
    IMPORT_FINISHED = "import.finished"
    TRAINING_RECORDED = "training.recorded"
    #: Sent by the "Kirim uji" button only; endpoints need not subscribe to it.
    TEST = "ping"


#: The events an endpoint can subscribe to (the test event goes to one endpoint on request).
SUBSCRIBABLE: tuple[Event, ...] = tuple(e for e in Event if e is not Event.TEST)


def emit(event: Event, data: Mapping[str, Any]) -> None:
    """Record a delivery of ``event`` for each subscribed active endpoint of the current region and
    send them once the caller's transaction commits. ``data`` must be JSON-serialisable plain data."""
    from webhooks.services.delivering import record_and_queue

    record_and_queue(Event(event), data)
