"""Background jobs of the plans app (thin: the work is in plans/reports.py)."""

from celery import shared_task

from indicators.tasks import RETRY


@shared_task(**RETRY)
def build_report(report_id: int) -> str:
    from plans import reports

    return reports.build_report(report_id=report_id).state
