"""What objectives do when the apps below them say something changed.

Also where committed events go: marked for the company's drain, which hands
them to every consumer (``objectives.events``, ``objectives.event_queue``).

And the one table of models whose saves and deletes change what a reader
of a company sees (:data:`REVISION_MODELS`): each moves the company
revision (``companies/revision.py``), the ETag of the tree and the lists.
"""

import contextlib
import logging
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from companies import revision
from companies.models import Company, Membership, User
from companies.signals import rollup_setting_changed
from departments.models import Department, DepartmentMembership
from objectives import event_queue, events, tasks
from objectives.models import CheckIn, Cycle, Dependency, Event, KeyResult, Objective, SharedKeyResult
from objectives.scheduling import PUBLISH_ERRORS, publish, schedule_full_recompute
from okrhub.logs import log_event

log = logging.getLogger(__name__)


@receiver(rollup_setting_changed)
def recompute_after_rollup_setting(sender, *, company: Company, **kwargs) -> None:
    schedule_full_recompute(company_id=company.pk)


@receiver(events.events_committed)
def hand_on_committed_events(sender: object, *, company_id: int, event_ids: list[int], **kwargs: object) -> None:
    """Mark the events for the company's drain (the first mark of a burst enqueues it), or hand them on now.

    Not marked (no Redis, or tasks run in-process): one task for this commit's
    events. Broker unreachable: the consumers run here with ``inline=True``
    and do only what is cheap. Nothing raises into the request that committed.
    """
    try:
        if not _marked(company_id, list(event_ids)):
            publish(tasks.handle_events_task, company_id, list(event_ids))
    except PUBLISH_ERRORS as error:
        log_event(log, "events.handled_inline", level=logging.WARNING, company=company_id, error=type(error).__name__)
        events.handle(company_id=company_id, event_ids=list(event_ids), inline=True)
    except Exception:
        log.exception("committed events %s of company %s not handed on", event_ids, company_id)


def _marked(company_id: int, event_ids: list[int]) -> bool:
    """Mark the events for the company's drain (enqueued by the first mark); False if they could not be."""
    if current_app.conf.task_always_eager or not settings.REDIS_URL or not event_ids:
        return False
    try:
        first = event_queue.mark(company_id=company_id, event_ids=event_ids)
    except redis.RedisError as error:
        log_event(log, "events.mark_failed", level=logging.WARNING, company=company_id, error=type(error).__name__)
        return False
    if first:
        try:
            publish(tasks.drain_events_task, company_id)
        except PUBLISH_ERRORS:
            with contextlib.suppress(redis.RedisError):  # else the flag expires by itself
                event_queue.unschedule(company_id)
            raise  # the caller hands this commit's events on here; the marked ones wait for the next drain
    return True


#: Rows a reader of the company sees, or that decide what they see (memberships and department
#: memberships decide the visibility class; departments' places decide who reads private objectives).
#: Saved or deleted, each bumps its company's revision. ``.update()``/``bulk_update`` bypass these
#: signals: such writes bump explicitly (objectives/rollup.py, objectives/services).
REVISION_MODELS: tuple[type, ...] = (
    Company,
    Membership,
    Department,
    DepartmentMembership,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    Dependency,
    SharedKeyResult,
    Event,
)

#: User fields a reader sees (owner names on the tree and the lists); a sign-in (last_login) or a
#: password change is no change to anyone's view.
USER_SHOWN_FIELDS = frozenset({"full_name", "email"})


def _bump_row(sender: type, instance: Any, **kwargs: Any) -> None:
    revision.bump(instance.pk if sender is Company else instance.company_id)


for _model in REVISION_MODELS:
    post_save.connect(_bump_row, sender=_model, dispatch_uid=f"revision-save-{_model.__name__}")
    post_delete.connect(_bump_row, sender=_model, dispatch_uid=f"revision-delete-{_model.__name__}")


@receiver(post_save, sender=User, dispatch_uid="revision-user")
def bump_after_name_change(sender: type, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """A person's shown name changed: every company they belong to shows it (one query)."""
    if kwargs.get("created") or (update_fields is not None and not USER_SHOWN_FIELDS & set(update_fields)):
        return
    for company_id in Membership.objects.filter(user_id=instance.pk).values_list("company_id", flat=True):
        revision.bump(company_id)
