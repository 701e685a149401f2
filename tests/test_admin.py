"""The operator admin renders every model's list and change page, with progress shown."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from companies.models import Company, Membership, Role, User
from departments.models import Department
from objectives.models import KeyResult, Objective, ObjectiveStatus
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


def change_form_data(response) -> dict:
    """What the admin's change page would post back unchanged: its form and inline formsets."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = part
            else:
                data[form.add_prefix(name)] = value
    return data


def post_change(client, obj, **changes):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    data = change_form_data(client.get(url)) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


def test_admin_leaves_an_objectives_guarded_fields_to_the_services(operator_client):
    """Parent, weight and status pass through the services' rules, never a raw admin save."""
    objective = Objective.objects.filter(parent__isnull=False, status=ObjectiveStatus.ACTIVE).first()
    other = Objective.objects.filter(company=objective.company).exclude(pk__in=[objective.pk, objective.parent_id])
    before = Objective.objects.values("parent_id", "weight", "status").get(pk=objective.pk)

    post_change(
        operator_client,
        objective,
        parent=other.first().pk,
        weight="9",
        status=ObjectiveStatus.ARCHIVED,
        title="Renamed by the operator",
    )

    assert Objective.objects.values("parent_id", "weight", "status").get(pk=objective.pk) == before
    assert Objective.objects.get(pk=objective.pk).title == "Renamed by the operator"


def test_admin_leaves_key_result_values_to_the_services(operator_client):
    key_result = KeyResult.objects.filter(current_value__isnull=False).first()
    elsewhere = Objective.objects.filter(company=key_result.company).exclude(pk=key_result.objective_id).first()
    guarded = ["objective_id", "start_value", "target_value", "current_value", "weight", "confidence", "progress"]
    before = KeyResult.objects.values(*guarded).get(pk=key_result.pk)

    post_change(
        operator_client,
        key_result,
        objective=elsewhere.pk,
        start_value="-50",
        target_value="5000",
        current_value="4999",
        weight="9",
        confidence="off_track",
        title="Renamed by the operator",
    )

    assert KeyResult.objects.values(*guarded).get(pk=key_result.pk) == before
    assert KeyResult.objects.get(pk=key_result.pk).title == "Renamed by the operator"
    # Nor through the objective's inline, nor as a new row.
    objective = key_result.objective
    url = reverse("admin:objectives_objective_change", args=[objective.pk])
    data = change_form_data(operator_client.get(url))
    prefix = next(key[: -len("-TOTAL_FORMS")] for key in data if key.endswith("-TOTAL_FORMS"))
    index = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if data[f"{prefix}-{i}-id"] == key_result.pk)
    data |= {f"{prefix}-{index}-target_value": "5000", f"{prefix}-{index}-weight": "9"}
    assert operator_client.post(url, data).status_code == 302
    assert KeyResult.objects.values(*guarded).get(pk=key_result.pk) == before
    assert operator_client.get(reverse("admin:objectives_keyresult_add")).status_code == 403


def test_admin_leaves_a_departments_parent_to_the_services(operator_client):
    department = Department.objects.first()
    child_of_it = Department.objects.create(company=department.company, name="Below", slug="below", parent=department)

    # Making a department its own child's child would close a loop in the tree.
    post_change(operator_client, department, parent=child_of_it.pk, name="Renamed by the operator")

    department.refresh_from_db()
    assert department.parent_id != child_of_it.pk
    assert department.name == "Renamed by the operator"


@pytest.fixture
def company_operator(operator_client):
    """A staff account that is not a superuser, admin of the demo company, holding every permission."""
    user = User.objects.create_user(email="operator@demo.okrhub.test", password="x" * 12, is_staff=True)
    Membership.objects.create(company=Company.objects.get(), user=user, role=Role.ADMIN)
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(user)
    return client


def test_company_operator_cannot_create_or_edit_permission_groups(company_operator, operator_client):
    everyone = Group.objects.create(name="Everyone")

    assert company_operator.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert company_operator.get(reverse("admin:auth_group_add")).status_code == 403
    company_operator.post(reverse("admin:auth_group_add"), {"name": "Operators", "permissions": [1, 2]})
    company_operator.post(
        reverse("admin:auth_group_change", args=[everyone.pk]),
        {"name": "Everyone", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert list(Group.objects.values_list("name", flat=True)) == ["Everyone"]
    assert not everyone.permissions.exists()
    # The installation's operators still manage them.
    assert operator_client.get(reverse("admin:auth_group_add")).status_code == 200
