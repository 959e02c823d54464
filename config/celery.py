"""Celery application, in Celery's documented Django layout."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rstplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
