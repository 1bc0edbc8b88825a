"""The report's logo is checked and re-encoded; the executive summary's standing says why it is missing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from assessment.results import logo
from assessment.results.reports.standing import standing
from assessment.results.services import publishing
from frontend.pdf import decimal, integer, percent, rupiah


def _image(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format=kind)
    return out.getvalue()


def test_indonesian_numbers_for_documents() -> None:
    assert decimal(1.475) == "1,48"
    assert decimal(12345.678) == "12.345,68"
    assert decimal(-0.001) == "0,00"
    assert decimal(None) == "–"
    assert integer(10303) == "10.303"
    assert rupiah(7_500_000) == "Rp 7.500.000"
    assert percent(0.824) == "82%"


def test_logo_is_checked_and_kept_as_a_fresh_png() -> None:
    png = logo.checked_png(_image("JPEG", (1200, 800)) + b"trailing payload")
    with Image.open(io.BytesIO(png)) as kept:
        assert kept.format == "PNG"
        assert max(kept.size) == logo.KEEP_SIDE
    assert b"trailing payload" not in png
    with pytest.raises(logo.LogoError, match="PNG"):
        logo.checked_png(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(logo.LogoError, match="PNG"):
        logo.checked_png(_image("GIF", (100, 100)))
    with pytest.raises(logo.LogoError, match="32"):
        logo.checked_png(_image("PNG", (20, 200)))
    with pytest.raises(logo.LogoError, match="KB"):
        logo.checked_png(b"\x89PNG" + b"0" * (logo.MAX_BYTES + 1))


def test_standing_says_why_there_is_none(scored: Any) -> None:
    region, round_ = scored
    missing = standing(round_, region)
    assert not missing.published
    assert "belum dikirim" in missing.reason
    publishing.publish_round(round_)
    alone = standing(round_, region)
    assert alone.published
    assert alone.reason == ""
    # The only region that published: below the coverage rule, so no rank and no national mean.
    assert alone.national is None
    assert alone.province is None
    assert alone.national_regions == 1
