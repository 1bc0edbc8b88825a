"""A region admin's own items (practice and local needs; never in the national index)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.authoring.forms import LocalItemForm
from assessment.authoring.models import LocalItem
from assessment.authoring.services import LocalItemData, LocalItemError, save_local_item


@access(roles=[Role.REGION_ADMIN])
def local_item_list(request: HttpRequest) -> HttpResponse:
    return render(request, "authoring/list.html", {"items": LocalItem.objects.all()})


@access(roles=[Role.REGION_ADMIN])
@require_http_methods(["GET", "POST"])
def local_item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    item = get_object_or_404(LocalItem, pk=pk) if pk else None
    initial = {}
    if item is not None:
        initial = {
            "competence": item.competence,
            "level": item.level,
            "type": item.type,
            "stem": item.stem,
            "options_text": "\n".join(o["text"] for o in item.options),
            "key_text": ", ".join(item.key),
            "explanation": item.explanation,
        }
    form = LocalItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_local_item(item, LocalItemData(**form.cleaned_data), request.user)
        except LocalItemError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Local item %(code)s was saved.") % {"code": saved.code})
            return redirect("local_item_list")
    return render(request, "authoring/edit.html", {"form": form, "item": item})
