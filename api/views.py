"""The region admin's API key pages (Pengaturan → API): list, create (the key shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.access import access
from accounts.roles import Role
from api.forms import NewKeyForm
from api.keys import services
from api.keys.scopes import Scope
from api.models import ApiKey


def _read_only(request: HttpRequest) -> bool:
    region = getattr(request, "region", None)
    return bool(region is not None and region.is_read_only)


@never_cache  # the page that shows a new key must not be kept by a browser or proxy
@access(roles=[Role.REGION_ADMIN])
def api_keys(request: HttpRequest) -> HttpResponse:
    read_only = _read_only(request)
    form = NewKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and not read_only and form.is_valid():
        issued = services.create(form.cleaned_data["name"], form.chosen(), created_by=request.user)
        form = NewKeyForm()  # rendered, not redirected: the key must not travel through the session
    keys = ApiKey.objects.select_related("created_by", "revoked_by")
    labels = {scope.value: scope.label for scope in Scope}
    rows = [(key, [labels.get(s, s) for s in key.scopes]) for key in keys]
    context = {"form": form, "rows": rows, "issued": issued, "read_only": read_only}
    return render(request, "api/keys.html", context)


@access(roles=[Role.REGION_ADMIN])
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    if request.method == "POST" and key.is_active:
        services.revoke(key, revoked_by=request.user)
        messages.success(
            request, _("The key %(prefix)s was revoked; it no longer opens the API.") % {"prefix": key.prefix}
        )
        return redirect("api_keys")
    return render(request, "api/revoke.html", {"key": key})
