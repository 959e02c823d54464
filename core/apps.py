from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide infrastructure every app uses: no models, no pages of its own."""

    name = "core"
    verbose_name = "Core"
