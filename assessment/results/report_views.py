"""The region's report settings: the optional logo on the cover of its printed reports."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.access import access
from accounts.roles import Role
from assessment.results import logo
from audit import services as audit_trail

ADMIN = [Role.REGION_ADMIN]


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=gettext_lazy("Logo (PNG or JPEG, at most 1 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    png: bytes = b""
    name: str = ""

    def clean_logo(self) -> bytes:
        upload = self.cleaned_data["logo"]
        if upload.size > logo.MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(
                _("The logo file is %(size)s KB; at most %(max)s KB is accepted.")
                % {"size": f"{upload.size // 1024:,}".replace(",", "."), "max": logo.MAX_BYTES // 1024}
            )
        data = upload.read()
        try:
            self.png = logo.checked_png(data)
        except logo.LogoError as error:
            raise forms.ValidationError(str(error)) from error
        self.name = str(upload.name)
        return data


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def report_settings(request: HttpRequest) -> HttpResponse:
    form = LogoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("remove") == "1":
        logo.remove()
        audit_trail.record("reports.logo_changed", removed=True)
        messages.success(request, _("The logo was removed from the reports."))
        return redirect("report_settings")
    if request.method == "POST" and form.is_valid():
        logo.store(form.png, form.name)
        audit_trail.record("reports.logo_changed", file=form.name)
        messages.success(request, _("The logo is on the cover of the region's reports from now on."))
        return redirect("report_settings")
    context = {"form": form, "logo_name": logo.current_name()}
    return render(request, "results/report_settings.html", context)


@access(roles=ADMIN)
def report_logo(request: HttpRequest) -> HttpResponse:
    """The stored logo (a PNG this code wrote), shown on the settings page."""
    data = logo.current()
    if data is None:
        return HttpResponse(status=404)
    return HttpResponse(data, content_type="image/png")
