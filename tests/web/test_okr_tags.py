"""The fast field renderer writes what Django's field templates write."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from objectives.forms import CheckInForm
from tests.factories import KeyResultFactory, ObjectiveFactory
from web.templatetags.okr import field_group


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html).strip())


def _django(field) -> str:
    return _normal(render_to_string("components/field.html", {"field": field}))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "confidence", "current"),
    [("number", "", None), ("number", "at_risk", Decimal(40)), ("percent", "off_track", Decimal(5)),
     ("milestone", "on_track", Decimal(1)), ("milestone", "", Decimal(0))],
)  # fmt: skip
def test_fresh_check_in_forms_render_as_django_renders_them(team, kind, confidence, current):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    extra = {"start_value": 0, "target_value": 1} if kind == "milestone" else {}
    kr = KeyResultFactory(
        company=team.company, objective=objective, kind=kind, confidence=confidence, current_value=current, **extra
    )
    form = CheckInForm(key_result=kr, prefix=f"kr{kr.pk}")
    for name in form.fields:
        assert _normal(field_group(form[name])) == _django(form[name]), name


@pytest.mark.django_db
def test_a_check_in_form_with_errors_goes_through_djangos_templates(team):
    objective = ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department)
    kr = KeyResultFactory(company=team.company, objective=objective)
    form = CheckInForm({f"kr{kr.pk}-value": "x<b>", f"kr{kr.pk}-note": "<script>"}, key_result=kr, prefix=f"kr{kr.pk}")
    assert not form.is_valid()
    html = field_group(form["value"])
    assert 'aria-invalid="true"' in html
    assert "errorlist" in html
    assert "<b>" not in html
    assert "<script>" not in field_group(form["note"])
    assert _normal(html) == _django(form["value"])
