"""Signals of the tenants app, so that other apps can react to a region's fate without tenants knowing them.

``region_rejected`` is sent inside the rejection's transaction, before the region's rows and schema go:
a receiver that fails rolls the whole rejection back (the benchmark withdraws any figures under the code,
so the rightful owner starts clean).
"""

from __future__ import annotations

from django.dispatch import Signal

# sender=Region; keyword arguments: code (Kemendagri code), schema_name.
region_rejected = Signal()
