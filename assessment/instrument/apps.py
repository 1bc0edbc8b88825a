from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentConfig(AppConfig):
    """The national instrument: frameworks and item banks, in the public schema, shared by every region."""

    name = "assessment.instrument"
    label = "instrument"
    verbose_name = _("Instrument")
