from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatatoolsConfig(AppConfig):
    """Data tooling on top of every app: the seed loader, synthetic national-scale data, and
    whole-database backup and restore, each with its management command. No models."""

    name = "datatools"
    verbose_name = _("Data tools")
