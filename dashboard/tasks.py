"""Background jobs of the dashboards (thin: the work is in dashboard/screens.py)."""

from celery import shared_task

from core.jobs import RETRY
from dashboard import screens


@shared_task(**RETRY)
def refresh_dashboard_cache() -> int:
    """Build the default dashboards again after public figures changed (queued by name from
    core.cache.public_data_changed, through settings.PUBLIC_DATA_CHANGED_JOBS)."""
    return screens.warm_cache()
