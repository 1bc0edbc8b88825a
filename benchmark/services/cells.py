"""The shape of published figures, shared by the side that writes them (``publishing``) and the side
that reads them (``national``): its own module so that neither imports the other."""

from __future__ import annotations

# The breakdowns a region publishes, in the order the portal shows them.
DIMENSIONS: tuple[str, ...] = ("status", "position_type", "rank_group", "age_band", "sex", "education")
AREAS = 5
