"""A locked bank's items are read once per process for starts and the test state; an unlocked bank is
read every time, so a bank still being loaded is never served from an older copy (bank_items)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessment.instrument.models import Item, ItemBank
from assessment.rounds.services import bank_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(db: Any) -> ItemBank:
    bank_items.forget()
    call_command("load_instrument")
    found = ItemBank.objects.get(code="ikd-nasional", version="2027.1")
    ItemBank.objects.filter(pk=found.pk).update(locked_at=None)
    return found


def reads(codes: list[str], bank: ItemBank) -> tuple[int, dict[str, Item]]:
    """How many times the items' table was read, and what came back."""
    with CaptureQueriesContext(connection) as queries:
        items = bank_items.form_items(bank.pk, codes)
    table = Item._meta.db_table
    return sum(1 for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]), items


def test_a_locked_bank_is_read_once_and_an_unlocked_one_every_time(bank: ItemBank) -> None:
    codes = list(Item.objects.filter(bank=bank).order_by("code").values_list("code", flat=True)[:60])
    count, items = reads(codes, bank)
    assert (count, sorted(items)) == (1, sorted(codes))  # unlocked: read
    Item.objects.filter(bank=bank, code=codes[0]).update(stem="Diubah sebelum dikunci")
    assert reads(codes, bank)[1][codes[0]].stem == "Diubah sebelum dikunci"  # never an older copy

    ItemBank.objects.filter(pk=bank.pk).update(locked_at=timezone.now())
    assert reads(codes, bank)[0] == 1  # locked: read once...
    count, items = reads([*codes[:10], "no-such-item"], bank)
    assert count == 0  # ...then only the lock is asked
    assert sorted(items) == sorted(codes[:10])
    assert items[codes[0]].competence.code  # the competence came with the items: no query for it

    # Locked again at another moment (only possible after it was unlocked and loaded): read afresh.
    ItemBank.objects.filter(pk=bank.pk).update(locked_at=timezone.now())
    assert reads(codes, bank)[0] == 1
