from django.core.management.base import BaseCommand

from core.cache import invalidate
from dashboard.screens import warm_cache


class Command(BaseCommand):
    help = "Mark cached dashboards stale and build the default ones again (the refresh job)."

    def handle(self, *args, **options):
        invalidate()
        self.stdout.write(f"{warm_cache()} dashboards built.")
