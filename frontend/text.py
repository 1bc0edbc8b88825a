"""Words around people's names: one rule for the period that closes a sentence.

Indonesian names often end in an academic title that ends in a period ("Budi Santoso, S.Kom."). A
sentence that puts such a name last and closes with its own period prints "S.Kom.." ("Selamat datang,
Budi Santoso, S.Kom.."). The period after an abbreviation also closes the sentence, as in print, so
``sentence`` drops the second one. An ellipsis ("...") is left alone: only a single period that follows
"letter." is removed.

Used by every place that builds such a sentence: the ``sentence`` template filter (``{% load ikd_text %}``,
on a ``blocktranslate ... asvar``), the round history and the messages that name a person.
"""

from __future__ import annotations

import re

_DOUBLE_PERIOD = re.compile(r"(?<=[^\W\d_]\.)\.(?!\.)")


def sentence(text: str) -> str:
    """``text`` without the period doubled after a title or other abbreviation: "S.Kom.." -> "S.Kom."."""
    return _DOUBLE_PERIOD.sub("", text)
