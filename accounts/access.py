"""Every view says who may open it; the AccessControlMiddleware refuses views that do not.

    @access(roles=[Role.REGION_ADMIN])     # signed in, with one of these roles
    @access(login=True)                    # signed in, any role
    @access(public=True)                   # anyone

Class-based views carry the same rule on the class (``ikd_access``). A test walks every URL of both
URL configurations and fails on a view without a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[str] = frozenset()

    def allows(self, user: Any) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return not self.roles or user.role in self.roles


def access(*, public: bool = False, login: bool = False, roles: Iterable[str] = ()) -> Callable[[V], V]:
    role_set = frozenset(str(role) for role in roles)
    if public == bool(login or role_set):
        raise ValueError("a view is either public or needs a login (optionally with roles)")
    rule = AccessRule(public=public, roles=role_set)

    def decorate(view: V) -> V:
        view.ikd_access = rule  # type: ignore[attr-defined]
        return view

    return decorate


# Views from libraries that do their own checks (allauth's login_required, the language switch, the
# API documentation pages); everything else must carry a rule.
THIRD_PARTY_MODULES = ("allauth.", "django.views.i18n", "django.views.static", "drf_spectacular.")


def rule_for(view: Any) -> AccessRule | None:
    rule = getattr(view, "ikd_access", None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "ikd_access", None)
    if rule is None and hasattr(view, "cls"):  # DRF function views
        rule = getattr(view.cls, "ikd_access", None)
    return rule


def is_third_party(view: Any) -> bool:
    target = getattr(view, "view_class", None) or getattr(view, "cls", None) or view
    module = getattr(target, "__module__", "") or ""
    return module.startswith(THIRD_PARTY_MODULES)
