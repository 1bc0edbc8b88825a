"""An item's fingerprint: what scoring depends on, so that a version used in a round can be held
unchanged (``check_unchanged``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from assessment.instrument.files.model import Item


def key_tuple(raw: object) -> tuple[str, ...] | None:
    """The key as a tuple of option ids, or None when it has the wrong shape."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,) if raw else ()
    if isinstance(raw, list | tuple) and all(isinstance(k, str) for k in raw):
        return tuple(raw)
    return None


def item_fingerprint(item: Mapping[str, Any] | Item) -> str:
    """SHA-256 (hex) of a canonical JSON of what a respondent sees and how it is scored.

    Included: ``type``, ``competence``, ``level``, ``stem``, ``stimulus``, ``options`` (ids and texts, in
    order: the order is shown to respondents) and ``key``.  A change to any of these makes answers given
    before and after incomparable, so it is not allowed inside a version already used by a round.

    Left out on purpose:

    * ``params``: calibration re-estimates a and b (and steps) of a used version; that is expected and
      must not count as a change of the item;
    * ``anchor``: which items anchor the scale is a calibration decision, not item content;
    * ``explanation`` and ``tags``: feedback and search aids, shown after answering or never; fixing
      a typo there does not change what was measured;
    * ``id``: fingerprints are compared per id.

    A single-option key written as ``b`` or ``[b]`` hashes the same; a multiple_response key is hashed
    as a sorted set, so reordering it is not a change.  Everything else is hashed exactly as written.
    """
    if isinstance(item, Item):
        data: Mapping[str, Any] = {
            "type": item.type,
            "competence": item.competence,
            "level": item.level,
            "stem": item.stem,
            "stimulus": item.stimulus,
            "options": [{"id": o.id, "text": o.text} for o in item.options],
            "key": list(item.key),
        }
    else:
        data = item
    key = key_tuple(data.get("key"))
    key_list: Any = list(key) if key is not None else data.get("key")
    if data.get("type") == "multiple_response" and key is not None:
        key_list = sorted(key)
    options = data.get("options")
    if isinstance(options, list):
        options = [
            {"id": o.get("id"), "text": o.get("text")} if isinstance(o, Mapping) else o for o in options
        ]
    content = {
        "type": data.get("type"),
        "competence": data.get("competence"),
        "level": data.get("level"),
        "stem": data.get("stem"),
        "stimulus": data.get("stimulus"),
        "options": options,
        "key": key_list,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
