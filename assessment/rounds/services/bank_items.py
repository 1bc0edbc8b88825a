"""A round's items, read once per process from a locked bank (the start storm's biggest cost).

Every start and every load of the test state needs the round's items (options, type, competence and
level): read from PostgreSQL each time, the rows and their JSON options were half the CPU of those two
requests (docs/testday-performance.md), 10,303 times each for one Kukar. A bank that a round uses is
locked (``ItemBank.locked_at``) and its items can no longer change, so a process keeps every item of a
locked bank once read, keyed by the schema, the bank and the moment it was locked: a bank unlocked and
loaded again (only possible before any round used it) or another database under the same ids (tests)
never meets an older copy. The caller passes that moment when it loaded the bank with the round (the
taker's pages and API do, in the query that finds the taker); otherwise one small query asks for it. An
unlocked bank is read from the database every time, as before. The items are shared by the requests of
a process: read, never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from django.db import connection

from assessment.instrument.models import Item

BANKS_KEPT = 8  # banks in use at once on one platform: the current version, the previous one and a few
_kept: dict[tuple[str, int, datetime], dict[str, Item]] = {}
_LOCKED_AT = "SELECT locked_at FROM instrument_itembank WHERE id = %s"  # ItemBank's table


def form_items(
    bank_id: int, codes: Sequence[str], locked_at: datetime | Literal["ask"] | None = "ask"
) -> dict[str, Item]:
    """The items of ``codes`` in the bank, by code (codes the bank does not hold are left out).
    ``locked_at``: the bank's lock time as the caller read it in this request, or "ask"."""
    if locked_at == "ask":
        with connection.cursor() as cursor:  # no ORM compile for it
            cursor.execute(_LOCKED_AT, [bank_id])
            row = cursor.fetchone()
        locked_at = row[0] if row is not None else None
    if locked_at is None:
        return _read(bank_id, codes)
    key = (str(getattr(connection, "schema_name", "public")), bank_id, locked_at)
    items = _kept.get(key)
    if items is None:
        items = _read(bank_id, None)
        if len(_kept) >= BANKS_KEPT:
            _kept.clear()
        _kept[key] = items
    return {code: items[code] for code in codes if code in items}


def forget() -> None:
    _kept.clear()


def _read(bank_id: int, codes: Sequence[str] | None) -> dict[str, Item]:
    items = Item.objects.filter(bank_id=bank_id).select_related("competence")
    if codes is not None:
        items = items.filter(code__in=codes)
    return {item.code: item for item in items}
