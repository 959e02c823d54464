"""Queueing background jobs so that a missing broker is a clear message, not a 500.

Without CELERY_BROKER_URL, Celery runs tasks in-process (eager): `enqueue` then runs the job
before returning. With a broker, `enqueue` hands the job to a worker, and raises
JobsUnavailable at once when the broker cannot be reached.
"""

import logging

from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

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
