"""The instrument in the database: loaded from the data files, frozen once a round uses it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessment.instrument import services
from assessment.instrument.models import Competence, Framework, Item, ItemBank


def test_load_instrument_stores_frameworks_and_the_bank(db: Any) -> None:
    call_command("load_instrument")
    assert Framework.objects.filter(code="digcomp").count() == 2  # 2.2 and the 3.0 draft, without code
    digcomp = Framework.objects.get(code="digcomp", version="2.2")
    assert digcomp.areas.count() == 5
    assert Competence.objects.filter(framework=digcomp).count() == 21
    assert list(digcomp.levels.values_list("name_id", flat=True)) == [
        "Dasar",
        "Menengah",
        "Mahir",
        "Sangat Mahir",
    ]
    bank = ItemBank.objects.get(code="ikd-nasional", version="2026.1")
    assert bank.items.count() >= 126
    assert bank.items.filter(is_anchor=True).count() == 20
    call_command("load_instrument")  # idempotent
    assert Item.objects.filter(bank=bank).count() == bank.items.count()


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(services.DATA_DIR / "frameworks", target / "frameworks")
    shutil.copytree(services.DATA_DIR / "banks", target / "banks")
    return target


def edit_first_item(data: Path, change: dict[str, Any]) -> str:
    path = data / "banks" / "ikd-nasional-2026.1" / "area-1.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    content["items"][0].update(change)
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(content["items"][0]["id"])


def test_a_used_version_cannot_change(db: Any, tmp_path: Path) -> None:
    call_command("load_instrument")
    bank = ItemBank.objects.get(code="ikd-nasional", version="2026.1")
    services.lock_bank(bank)
    data = copy_data(tmp_path)
    item_id = edit_first_item(data, {"stem": "Pertanyaan yang diubah diam-diam?"})
    with pytest.raises(CommandError) as error:
        call_command("load_instrument", data_dir=data)
    assert f"Butir {item_id} berubah padahal versi ikd-nasional-2026.1 sudah dipakai" in str(error.value)
    assert Item.objects.get(bank=bank, code=item_id).stem != "Pertanyaan yang diubah diam-diam?"


def test_calibrated_parameters_may_change_in_a_used_version(db: Any, tmp_path: Path) -> None:
    call_command("load_instrument")
    services.lock_bank(ItemBank.objects.get(code="ikd-nasional", version="2026.1"))
    data = copy_data(tmp_path)
    item_id = edit_first_item(data, {"params": {"a": 1.11, "b": -1.5}})
    call_command("load_instrument", data_dir=data)
    assert Item.objects.get(bank__version="2026.1", code=item_id).params == {"a": 1.11, "b": -1.5}


def test_a_bank_with_a_missing_key_is_refused_whole(db: Any, tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    item_id = edit_first_item(data, {"key": None})
    # What a test before it on the same worker committed (a browser test's bank) stays as it was.
    before = list(ItemBank.objects.order_by("pk").values_list("pk", "loaded_at")), Item.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("load_instrument", data_dir=data)
    assert item_id in str(error.value)
    assert "kunci jawaban" in str(error.value)
    assert (
        list(ItemBank.objects.order_by("pk").values_list("pk", "loaded_at")),
        Item.objects.count(),
    ) == before


def test_catalogue_page_shows_counts_never_items(db: Any, region_a: Any) -> None:
    from django.test import Client

    from accounts.roles import Role
    from tests.factories import PASSWORD, make_user

    call_command("load_instrument")
    user = make_user(region_a, Role.UNIT_COORDINATOR)
    client = Client(HTTP_HOST="samarinda.localhost")
    client.post("/akun/login/", {"login": user.email, "password": PASSWORD})
    body = client.get("/instrumen/").content.decode()
    assert "Literasi Informasi dan Data" in body
    first = Item.objects.order_by("code").first()
    assert first is not None
    assert first.stem[:40] not in body
