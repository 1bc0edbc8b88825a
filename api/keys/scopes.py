"""What an API key may do. A key holds a set of scopes; each view of api.v1 names the scopes it needs
(``api.permissions.requires``).

Why these five: they follow who may see what on the pages. The register is split into read and write
(a learning platform reads it, SIMPEG writes it); results into aggregates (region, unit, segment figures,
which the pages show to coordinators) and personal ones (per-employee results and learning plans, which
are personal data and only some systems should get); training records are read and written together,
since a learning platform that writes them needs to see what it wrote.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Scope(StrEnum):
    REGISTER_READ = "register:read"
    REGISTER_WRITE = "register:write"
    RESULTS_READ = "results:read"
    RESULTS_PERSONAL = "results:personal"
    TRAINING_WRITE = "training:write"

    @property
    def label(self) -> Promise:
        return LABELS[self]


LABELS: dict[Scope, Promise] = {
    Scope.REGISTER_READ: _("Read the staff register (units, employees)"),
    Scope.REGISTER_WRITE: _("Create and update employees in the staff register"),
    Scope.RESULTS_READ: _("Read results of the region, units and segments"),
    Scope.RESULTS_PERSONAL: _("Read each employee's results and learning plan"),
    Scope.TRAINING_WRITE: _("Read and write training records"),
}


def parse(values: object) -> frozenset[Scope]:
    """The known scopes among ``values`` (a stored list); unknown strings are dropped, never trusted."""
    if not isinstance(values, list | tuple | set | frozenset):
        return frozenset()
    known = {scope.value for scope in Scope}
    return frozenset(Scope(v) for v in values if isinstance(v, str) and v in known)
