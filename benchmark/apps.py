from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarkConfig(AppConfig):
    name = "benchmark"
    verbose_name = _("National benchmark")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from benchmark import tasks
        from benchmark.services import generation, publishing
        from tenants.signals import region_rejected

        # A rejected claim leaves nothing under its code for the rightful owner to inherit.
        region_rejected.connect(publishing.withdraw_region, dispatch_uid="benchmark.withdraw_region")
        # After a change commits, the portal's pages of the new state are built before a viewer asks.
        generation.changed.connect(tasks.queue_warm_portal, dispatch_uid="benchmark.warm_portal")
        # One generation token per request: every figure of a page from one state, one query for it.
        request_started.connect(generation.open_pin, dispatch_uid="benchmark.open_pin")
        request_finished.connect(generation.close_pin, dispatch_uid="benchmark.close_pin")
