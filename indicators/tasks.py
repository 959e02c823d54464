"""Background jobs of the KPI values (thin: the work is in the services)."""

from celery import shared_task

from core.jobs import RETRY
from indicators import reminders


@shared_task(**RETRY)
def send_reminders() -> int:
    return reminders.send_reminders().sent
