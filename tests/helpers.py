"""Test helpers shared across apps."""

from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError

from companies.models import Company, CompanyAPIKey, IdempotencyRecord, Invitation, Membership
from departments.models import Department, DepartmentMembership
from discussion.models import Comment, Mention, Reaction
from insights.models import DailyTotal, KeyResultSnapshot, ObjectiveSnapshot, SnapshotRun
from notifications.models import Notification, NotificationPreference
from objectives.models import CheckIn, Cycle, DepartmentPlan, Dependency, Event, KeyResult, Objective
from webhooks.models import Delivery, Endpoint

TENANT_MODELS = (
    Company,
    Membership,
    Department,
    DepartmentMembership,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    Dependency,
    DepartmentPlan,
    Event,
    CompanyAPIKey,
    IdempotencyRecord,
    Invitation,
    Notification,
    NotificationPreference,
    Comment,
    Mention,
    Reaction,
    ObjectiveSnapshot,
    KeyResultSnapshot,
    DailyTotal,
    SnapshotRun,
    Endpoint,
    Delivery,
)


#: Bookkeeping columns any authenticated request may write (an API key's last use,
#: refreshed once a minute): they are not a change a refused request made.
BOOKKEEPING_COLUMNS = {CompanyAPIKey: {"last_used_at"}}


def _state_columns(model) -> list[str]:
    skip = BOOKKEEPING_COLUMNS.get(model, set())
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip]


def db_state() -> dict[str, list[tuple]]:
    """Every row of every tenant table, to compare before and after a refused write."""
    return {
        model.__name__: sorted(model.objects.order_by("pk").values_list(*_state_columns(model)), key=repr)
        for model in TENANT_MODELS
    }


@contextmanager
def refused(field: str, *, code: str | None = None, exc=ValidationError):
    """Assert the block raises ``exc`` naming ``field`` and leaves the database as it was."""
    before = db_state()
    with pytest.raises(exc) as info:
        yield info
    if exc is ValidationError:
        errors = info.value.message_dict if hasattr(info.value, "error_dict") else {}
        assert field in errors, f"expected an error on {field!r}, got {errors or info.value}"
        if code is not None:
            codes = {e.code for e in info.value.error_dict[field]}
            assert code in codes, f"expected code {code!r}, got {codes}"
    assert db_state() == before, "a refused write changed the database"
