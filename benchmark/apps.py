from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarkConfig(AppConfig):
    name = "benchmark"
    verbose_name = _("National benchmark")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from benchmark.services import publishing
        from tenants.signals import region_rejected

        # A rejected claim leaves nothing under its code for the rightful owner to inherit.
        region_rejected.connect(publishing.withdraw_region, dispatch_uid="benchmark.withdraw_region")
