from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from tenants.services import approval

        # The signup admin's confirmation (on the region's host) is half of a region's approval.
        email_confirmed.connect(approval.record_email_confirmed, dispatch_uid="tenants.email_confirmed")
