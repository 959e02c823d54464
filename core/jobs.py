"""Background jobs: queueing that fails clearly, and the retry policy every job shares.

Without CELERY_BROKER_URL, Celery runs tasks in-process (eager): `enqueue` then runs the job
before returning. With a broker, `enqueue` hands the job to a worker, and raises
JobsUnavailable at once when the broker cannot be reached.

Jobs are thin entry points that take ids and call a service (each also a management command).
Every job is safe to run twice (the services check state first), is acknowledged only after it
finishes (CELERY_TASK_ACKS_LATE), and retries with backoff when the database is briefly away
(`RETRY`, given to each `@shared_task`).
"""

import logging

from celery import current_app
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}

UNAVAILABLE = _(
    "Background jobs are unavailable right now (the job queue cannot be reached). Nothing was "
    "lost; please try again in a few minutes."
)


class JobsUnavailable(Exception):
    """The job could not be queued; nothing was started."""

    def __init__(self, message=UNAVAILABLE):
        self.message = str(message)
        super().__init__(self.message)


def enqueue(task, *args) -> None:
    """Queue `task(*args)` (or run it now in eager mode); JobsUnavailable if the broker is down."""
    try:
        task.apply_async(args=args, retry=False)
    except (BrokerError, OSError) as error:
        log.warning("Could not queue %s%r: %s", task.name, args, error)
        raise JobsUnavailable() from error


def enqueue_named(name: str, *args) -> None:
    """Queue the job registered under `name` ("dashboard.tasks.refresh_dashboard_cache").

    For a lower layer that must start a job of a higher one without importing it; the
    worker knows the job by its name. JobsUnavailable if the broker is down."""
    try:
        current_app.send_task(name, args=args, retry=False)
    except (BrokerError, OSError) as error:
        log.warning("Could not queue %s%r: %s", name, args, error)
        raise JobsUnavailable() from error
