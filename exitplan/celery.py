"""The Celery application: configuration comes from Django's settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitplan.settings")

app = Celery("exitplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules not named tasks.py, registered explicitly so the worker always knows them.
app.autodiscover_tasks(["stakeholders"], related_name="comment_tasks")
