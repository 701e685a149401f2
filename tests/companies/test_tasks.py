"""The beat schedule names real tasks, and the idempotency purge runs as one."""

import datetime

from django.conf import settings
from django.utils import timezone

from companies.models import IdempotencyRecord
from companies.tasks import purge_idempotency_records_task
from okrhub.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_purge_task_forgets_old_idempotency_records(team):
    def record(key: str) -> IdempotencyRecord:
        return IdempotencyRecord.objects.create(
            company=team.company, key=key, fingerprint="f" * 64, status_code=201, response_body={}
        )

    old = record("old-key")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    record("fresh-key")
    assert purge_idempotency_records_task.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh-key"]
