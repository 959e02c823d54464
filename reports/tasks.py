"""Background jobs of the annual reports (thin: the work is in reports/services.py)."""

from celery import shared_task

from core.jobs import RETRY
from reports import services


@shared_task(**RETRY)
def build_report(report_id: int) -> str:
    return services.build_report(report_id=report_id).state
