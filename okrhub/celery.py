"""The Celery application.

With no broker configured (the embedded default) tasks run in-process: the
settings turn on ``task_always_eager`` so a demo needs no Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrhub.settings.local")

app = Celery("okrhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
