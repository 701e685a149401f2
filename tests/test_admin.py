"""The operator admin renders every model's list and change page, with progress shown."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from companies.models import User
from onboarding.demo import load_demo


@pytest.fixture
def operator_client(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    client = Client()
    client.force_login(User.objects.get(email="admin@demo.okrhub.test"))
    return client


def test_every_model_has_a_working_admin(operator_client):
    registered = admin.site._registry
    assert {m._meta.label for m in registered} >= {
        "companies.Company",
        "companies.User",
        "companies.Membership",
        "departments.Department",
        "objectives.Cycle",
        "objectives.Objective",
        "objectives.KeyResult",
        "objectives.CheckIn",
        "objectives.Dependency",
    }
    for model in registered:
        if model._meta.app_label not in {"companies", "departments", "objectives"}:
            continue
        opts = model._meta
        changelist = operator_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        first = model.objects.order_by("pk").first()
        if first is None:
            continue  # nothing of this kind in the demo (API keys, sent emails)
        change = operator_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
        assert change.status_code == 200, opts.label


def test_objective_changelist_shows_progress(operator_client):
    html = operator_client.get(reverse("admin:objectives_objective_changelist")).content.decode()
    assert "Expand into new markets and grow revenue by 25%" in html
    assert "<progress" in html


def test_checkins_cannot_be_edited_in_admin(operator_client):
    from objectives.models import CheckIn

    checkin = CheckIn.objects.first()
    response = operator_client.post(
        reverse("admin:objectives_checkin_change", args=[checkin.pk]), {"value": "999", "confidence": "on_track"}
    )
    assert response.status_code in (403, 200)
    checkin.refresh_from_db()
    assert checkin.value != 999
