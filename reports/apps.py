from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Annual reports")

    def ready(self):
        # Registers the permission rules with the `rules` backend.
        from reports import permissions  # noqa: F401
