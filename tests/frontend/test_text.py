"""frontend.text: a title's period also closes the sentence (#15, point 12)."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from frontend.text import sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Selamat datang, Budi Santoso, S.Kom..", "Selamat datang, Budi Santoso, S.Kom."),
        ("Dr. Rina Wulandari, M.Si.. membuka ronde.", "Dr. Rina Wulandari, M.Si. membuka ronde."),
        ("Selamat datang, Budi.", "Selamat datang, Budi."),
        ("Tunggu...", "Tunggu..."),  # an ellipsis stays
        ("Indeks 2.31.", "Indeks 2.31."),
        ("Versi 2.2..", "Versi 2.2.."),  # a number is not an abbreviation
    ],
)
def test_sentence_drops_the_doubled_period_after_a_title(text: str, expected: str) -> None:
    assert sentence(text) == expected


def test_the_filter_escapes_the_name_and_closes_the_sentence_once() -> None:
    template = Template(
        "{% load i18n ikd_text %}"
        "{% blocktranslate with name=n asvar w %}Welcome, {{ name }}.{% endblocktranslate %}"
        "{{ w|sentence }}|{{ raw|sentence }}"
    )
    html = template.render(Context({"n": "<b>Ani</b>, S.Pd.", "raw": "A <i>, S.T.."}))
    assert "S.Pd.." not in html
    assert "S.Pd." in html
    assert "&lt;b&gt;Ani&lt;/b&gt;" in html
    assert "<b>" not in html
    assert html.endswith("A &lt;i&gt;, S.T.")
