"""Background jobs of the spreadsheet import (thin: the work is in imports/services.py)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from core.jobs import RETRY
from imports import services
from imports.models import ImportBatch


@shared_task(**RETRY)
def check_import(batch_id: int) -> str:
    return services.check_import(batch_id=batch_id).state


@shared_task(**RETRY)
def apply_import(batch_id: int, user_id: int) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.APPLYING:
        return batch.state  # already done (a redelivered job) or withdrawn
    user = get_user_model().objects.get(pk=user_id)
    return services.apply_import(batch_id=batch_id, by=user).state
