"""Background jobs: thin entry points that take ids and call a service (each also a command).

Every job is safe to run twice (the services check state first), is acknowledged only after it
finishes (CELERY_TASK_ACKS_LATE), and retries with backoff when the database is briefly away.
"""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**RETRY)
def check_import(batch_id: int) -> str:
    from indicators import imports

    return imports.check_import(batch_id=batch_id).state


@shared_task(**RETRY)
def apply_import(batch_id: int, user_id: int) -> str:
    from indicators import imports
    from indicators.models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.APPLYING:
        return batch.state  # already done (a redelivered job) or withdrawn
    user = get_user_model().objects.get(pk=user_id)
    return imports.apply_import(batch_id=batch_id, by=user).state


@shared_task(**RETRY)
def send_reminders() -> int:
    from indicators import reminders

    return reminders.send_reminders().sent


@shared_task(**RETRY)
def refresh_dashboard_cache() -> int:
    from dashboard import screens

    return screens.warm_cache()
