"""Forms of the public site: signup, the operator's status change and decision on a region's claim."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenants import wilayah
from tenants.models import Region
from tenants.services.signup import SignupError, SignupRequest, validate


def _terms_label() -> str:
    return format_html(
        '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
        _("I have read and accept the"),
        reverse_lazy("terms"),
        _("Terms of Use"),
    )


class SignupForm(forms.Form):
    region_search = forms.CharField(
        label=_("Your region"),
        required=False,
        help_text=_("Type a name or Kemendagri code, e.g. “Kutai Kartanegara” or “64.02”."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "data-region-search": "/api/wilayah/",
                "data-target": "id_code",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
            }
        ),
    )
    code = forms.CharField(
        label=_("Kemendagri code"),
        max_length=60,
        required=False,
        help_text=_("Filled in when you pick your region; you may also type it, e.g. 64.02."),
    )
    slug = forms.CharField(
        label=_("Address of your site"),
        max_length=40,
        help_text=_("Lowercase letters, digits and hyphens, e.g. kukar."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=[("", _("Automatic (from the province)")), *Region.TimeZone.choices],
    )
    admin_full_name = forms.CharField(label=_("Admin's full name"), max_length=150)
    admin_position = forms.CharField(
        label=_("Position and office"),
        max_length=200,
        required=False,
        help_text=_(
            "E.g. “Kepala Bidang Pengembangan SDM, BKPSDM”. The platform operator checks every new "
            "region before it joins the national benchmark; this helps."
        ),
    )
    admin_email = forms.EmailField(
        label=_("Admin's official email"),
        help_text=_("An address of your government office (go.id)."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters; not a common password and not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_terms = forms.BooleanField(
        label=lazy(_terms_label, str)(),
        required=True,
        error_messages={"required": _("You must accept the Terms of Use.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = wilayah.normalise_code(data.get("code", ""))
        if not code:
            # Without JavaScript the picker cannot fill the code: resolve the typed name here.
            query = data.get("region_search", "")
            hits = wilayah.search(query, limit=6) if query else []
            if len(hits) == 1 or (hits and hits[0].name.lower().endswith(query.strip().lower())):
                code = hits[0].code
            elif hits:
                names = "; ".join(hit.label for hit in hits[:5])
                self.add_error(
                    "region_search", _("Several regions match: %(names)s. Type the code.") % {"names": names}
                )
            else:
                self.add_error("region_search", _("Choose your region from the list."))
        data["code"] = code
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        self._add_service_errors(data)
        return data

    def _add_service_errors(self, data: dict[str, Any]) -> None:
        """The signup rules (code taken, reserved address, official email, password strength) at once,
        so that one submission shows every problem, not one at a time."""
        try:
            validate(self._request_from(data))
        except SignupError as exc:
            for name, messages in exc.errors.items():
                if name == "code" and not data.get("code"):
                    continue  # the region picker already says so
                if name in self.errors:
                    continue
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)

    @staticmethod
    def _request_from(data: dict[str, Any]) -> SignupRequest:
        return SignupRequest(
            code=data.get("code") or "",
            slug=(data.get("slug") or "").strip().lower(),
            admin_full_name=data.get("admin_full_name") or "",
            admin_email=data.get("admin_email") or "",
            password=data.get("password") or "",
            time_zone=data.get("time_zone") or "",
            admin_position=data.get("admin_position") or "",
        )

    def signup_request(self) -> SignupRequest:
        return self._request_from(self.cleaned_data)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Region.Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Required to suspend or close; shown to the region's users."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mailed to the person who signed up. The region's site and data are deleted."),
    )
