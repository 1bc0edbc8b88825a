from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthoringConfig(AppConfig):
    """A region's own items, in its own schema: used for its own practice, never in the national index."""

    name = "assessment.authoring"
    label = "authoring"
    verbose_name = _("Local items")
