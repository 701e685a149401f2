"""What objectives do when the apps below them say something changed.

Also the one table of models whose saves and deletes change what a reader
of a company sees (:data:`REVISION_MODELS`): each moves the company
revision (``companies/revision.py``), the ETag of the tree and the lists.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from companies import revision
from companies.models import Company, Membership, User
from companies.signals import rollup_setting_changed
from departments.models import Department, DepartmentMembership
from objectives.models import CheckIn, Cycle, Dependency, Event, KeyResult, Objective, SharedKeyResult
from objectives.scheduling import schedule_full_recompute


@receiver(rollup_setting_changed)
def recompute_after_rollup_setting(sender, *, company: Company, **kwargs) -> None:
    schedule_full_recompute(company_id=company.pk)


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
