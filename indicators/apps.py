from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators (KPIs)")

    def ready(self):
        # Registers the permission rules with the `rules` backend.
        from indicators import permissions  # noqa: F401
