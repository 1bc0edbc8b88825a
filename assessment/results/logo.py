"""The region's logo on its printed reports: checked, re-encoded and kept in the region's schema.

An uploaded file is never trusted as it comes: Pillow opens it (PNG or JPEG only, whatever its name
says), refuses oversized or decompression-bomb images before decoding them, and the logo kept is a
fresh PNG drawn from the decoded pixels, at most ``KEEP_SIDE`` pixels on its long side. What reaches a
PDF is therefore an image this code wrote, with no metadata or trailing payload of the upload.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from assessment.results.models import ReportSettings

MAX_BYTES = 1024 * 1024  # 1 MB: a logo, not a photograph
MAX_PIXELS = 4000 * 4000
MIN_SIDE = 32
KEEP_SIDE = 600  # about 5 cm at 300 dpi: sharp on the cover at any print size we use
FORMATS = {"PNG": "PNG", "JPEG": "JPEG"}


class LogoError(ValueError):
    """Why an upload is not taken, in the user's language."""


def checked_png(data: bytes) -> bytes:
    """``data`` as a clean PNG, or ``LogoError`` saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise LogoError(
            _("The logo file is %(size)s KB; at most %(max)s KB is accepted.")
            % {"size": f"{len(data) // 1024:,}".replace(",", "."), "max": MAX_BYTES // 1024}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            if kind not in FORMATS:
                raise LogoError(_("The logo must be a PNG or JPEG image."))
            if width * height > MAX_PIXELS:
                raise LogoError(
                    _("The logo is %(w)s × %(h)s pixels; at most 4000 × 4000 is accepted.")
                    % {"w": width, "h": height}
                )
            if min(width, height) < MIN_SIDE:
                raise LogoError(
                    _("The logo is %(w)s × %(h)s pixels; it needs at least 32 pixels on each side.")
                    % {"w": width, "h": height}
                )
            probe.load()
            picture = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise LogoError(_("The logo must be a PNG or JPEG image.")) from error
    picture.thumbnail((KEEP_SIDE, KEEP_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def current() -> bytes | None:
    """The logo to print, or None."""
    row = ReportSettings.objects.filter(pk=1).only("logo_png").first()
    return bytes(row.logo_png) if row is not None and row.logo_png else None


def current_name() -> str:
    row = ReportSettings.objects.filter(pk=1).only("logo_name").first()
    return row.logo_name if row is not None and row.logo_png else ""


@transaction.atomic
def store(png: bytes, name: str) -> None:
    """Keep ``png``, which ``checked_png`` made."""
    ReportSettings.objects.update_or_create(pk=1, defaults={"logo_png": png, "logo_name": name[:200]})


def remove() -> None:
    ReportSettings.objects.filter(pk=1).update(logo_png=b"", logo_name="")
