"""The first cycle on sign-up: this period, the next one or custom dates, never one more than half over silently.

Worked by hand: 2026 Q4 runs 1 Oct to 31 Dec (91 days between its first and
last day). On 15 Nov 45/91 = 49% of it is gone: this quarter is the default.
On 16 Nov 46/91 = 51%: the default is 2027 Q1. On 29 Nov 59/91 = 65%. The
calendar year 2026 (364 days) is 332/364 = 91% over on 29 Nov.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from companies.models import Company, User
from objectives.models import Cycle, CycleStatus
from onboarding import first_cycle
from onboarding import services as onboarding_services
from tests.helpers import refused
from tests.onboarding.test_onboarding import everything, signup_data

D = datetime.date


@pytest.mark.parametrize(
    ("today", "length", "which", "expected"),
    [
        (D(2026, 11, 29), "quarterly", "this", ("2026 Q4", D(2026, 10, 1), D(2026, 12, 31))),
        (D(2026, 11, 29), "quarterly", "next", ("2027 Q1", D(2027, 1, 1), D(2027, 3, 31))),
        (D(2026, 12, 31), "quarterly", "next", ("2027 Q1", D(2027, 1, 1), D(2027, 3, 31))),
        (D(2027, 1, 1), "quarterly", "this", ("2027 Q1", D(2027, 1, 1), D(2027, 3, 31))),
        (D(2027, 3, 31), "quarterly", "next", ("2027 Q2", D(2027, 4, 1), D(2027, 6, 30))),
        (D(2027, 6, 30), "quarterly", "next", ("2027 Q3", D(2027, 7, 1), D(2027, 9, 30))),
        (D(2027, 9, 30), "quarterly", "next", ("2027 Q4", D(2027, 10, 1), D(2027, 12, 31))),
        (D(2026, 11, 29), "annual", "this", ("2026", D(2026, 1, 1), D(2026, 12, 31))),
        (D(2026, 11, 29), "annual", "next", ("2027", D(2027, 1, 1), D(2027, 12, 31))),
    ],
)
def test_periods_at_quarter_and_year_boundaries(today, length, which, expected):
    chosen = first_cycle.period(today, length=length, which=which)
    assert (chosen.name, chosen.start, chosen.end) == expected


@pytest.mark.parametrize(
    ("today", "length", "default", "elapsed"),
    [
        (D(2026, 10, 1), "quarterly", "this", 0.0),
        (D(2026, 11, 15), "quarterly", "this", 45 / 91),
        (D(2026, 11, 16), "quarterly", "next", 46 / 91),
        (D(2026, 11, 29), "quarterly", "next", 59 / 91),
        (D(2026, 12, 31), "quarterly", "next", 1.0),
        (D(2026, 3, 1), "annual", "this", 59 / 364),
        (D(2026, 11, 29), "annual", "next", 332 / 364),
    ],
)
def test_the_default_is_this_period_unless_it_is_more_than_half_over(today, length, default, elapsed):
    assert first_cycle.period(today, length=length, which="this").elapsed(today) == pytest.approx(elapsed)
    assert first_cycle.default_choice(today, length) == default


def test_this_quarter_more_than_half_over_needs_a_confirmation():
    with pytest.raises(ValidationError) as refusal:
        first_cycle.choose(D(2026, 11, 29), which="this")
    assert refusal.value.error_dict["first_cycle"][0].code == "more_than_half_over"
    assert "2026 Q4 is 65% over" in refusal.value.messages[0]
    assert first_cycle.choose(D(2026, 11, 29), which="this", confirmed=True).name == "2026 Q4"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": None, "end": "2027-03-31"}, "cycle_start"),
        ({"start": "2027-01-01", "end": ""}, "cycle_end"),
        ({"start": "2027-02-30", "end": "2027-03-31"}, "cycle_start"),
        ({"start": "2027-01-01", "end": "31/03/2027"}, "cycle_end"),
        ({"start": "2027-03-31", "end": "2027-03-31"}, "cycle_end"),
        ({"start": "2027-03-31", "end": "2027-01-01"}, "cycle_end"),
        ({"start": "2026-01-01", "end": "2026-11-01"}, "cycle_end"),  # already over
    ],
)
def test_custom_dates_name_the_field_at_fault(changes, field):
    with pytest.raises(ValidationError) as refusal:
        first_cycle.choose(D(2026, 11, 29), which="custom", **changes)
    assert field in refusal.value.error_dict


def test_custom_dates_more_than_half_over_need_a_confirmation_too():
    with pytest.raises(ValidationError) as refusal:
        first_cycle.choose(D(2026, 11, 29), which="custom", start="2026-11-01", end="2026-12-10")
    assert "first_cycle" in refusal.value.error_dict
    chosen = first_cycle.choose(D(2026, 11, 29), which="custom", start="2026-12-01", end="2027-02-28")
    assert (chosen.name, chosen.start, chosen.end) == ("1 Dec 2026 to 28 Feb 2027", D(2026, 12, 1), D(2027, 2, 28))


def _at(clock, day: datetime.date) -> None:
    clock.move_to(datetime.datetime.combine(day, datetime.time(12), datetime.UTC))


def _cycle() -> Cycle:
    return Cycle.objects.get(company=Company.objects.get(slug="newco-labs"))


def test_the_page_suggests_next_quarter_on_29_november_and_says_why(db, frozen_clock):
    _at(frozen_clock, D(2026, 11, 29))
    html = Client().get(reverse("signup")).content.decode()
    assert "2026 Q4 is already 65% over, so we suggest starting with 2027 Q1" in html
    assert 'value="next" id="id_first_cycle_1" checked' in html
    assert 'value="this" id="id_first_cycle_0">' in html  # offered, not chosen


def test_the_page_defaults_to_this_quarter_early_in_it(db, frozen_clock):
    _at(frozen_clock, D(2026, 10, 2))
    html = Client().get(reverse("signup")).content.decode()
    assert "so we suggest" not in html
    assert "2026 Q4 (1% over)" in html


def test_signing_up_on_29_november_starts_next_quarter_by_default(db, frozen_clock, django_capture_on_commit_callbacks):
    _at(frozen_clock, D(2026, 11, 29))
    data = signup_data(timezone="UTC")
    data.pop("first_cycle", None)
    onboarding_services.signup(**data)
    cycle = _cycle()
    assert (cycle.name, cycle.start_date, cycle.end_date, cycle.status) == (
        "2027 Q1",
        D(2027, 1, 1),
        D(2027, 3, 31),
        CycleStatus.ACTIVE,
    )


def test_choosing_this_quarter_when_it_is_more_than_half_over_is_refused_unless_confirmed(db, frozen_clock):
    _at(frozen_clock, D(2026, 11, 29))
    before = everything()
    response = Client().post(reverse("signup"), {**signup_data(timezone="UTC"), "first_cycle": "this"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "2026 Q4 is 65% over" in html
    assert 'id="id_first_cycle_error"' in html
    assert everything() == before
    assert not User.objects.filter(email="nora@newco.test").exists()
    response = Client().post(
        reverse("signup"),
        {**signup_data(timezone="UTC"), "first_cycle": "this", "confirm_half_over": "on", "cycle_length": "quarterly"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (_cycle().name, _cycle().start_date) == ("2026 Q4", D(2026, 10, 1))


def test_an_annual_cycle_is_the_calendar_year(db, frozen_clock):
    _at(frozen_clock, D(2026, 11, 29))
    response = Client().post(
        reverse("signup"), {**signup_data(timezone="UTC"), "first_cycle": "next", "cycle_length": "annual"}
    )
    assert response.status_code == 302
    assert (_cycle().name, _cycle().start_date, _cycle().end_date) == ("2027", D(2027, 1, 1), D(2027, 12, 31))


def test_custom_dates_through_the_page(db, frozen_clock):
    _at(frozen_clock, D(2026, 11, 29))
    response = Client().post(
        reverse("signup"),
        {
            **signup_data(timezone="UTC"),
            "first_cycle": "custom",
            "cycle_length": "quarterly",
            "cycle_start": "2026-12-01",
            "cycle_end": "2027-02-28",
        },
    )
    assert response.status_code == 302
    assert (_cycle().start_date, _cycle().end_date) == (D(2026, 12, 1), D(2027, 2, 28))


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"cycle_start": "2027-02-30", "cycle_end": "2027-03-31"}, "cycle_start"),
        ({"cycle_start": "2027-03-01", "cycle_end": "2027-02-01"}, "cycle_end"),
        ({"cycle_start": "", "cycle_end": "2027-03-31"}, "cycle_start"),
    ],
)
def test_bad_custom_dates_through_the_page_name_the_field(db, frozen_clock, dates, field):
    _at(frozen_clock, D(2026, 11, 29))
    before = everything()
    response = Client().post(
        reverse("signup"),
        {**signup_data(timezone="UTC"), "first_cycle": "custom", "cycle_length": "quarterly", **dates},
    )
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.content.decode()
    assert everything() == before


def test_the_choice_is_made_in_the_companys_time_zone(db, frozen_clock):
    # 15 Nov 23:00 UTC is already 16 Nov in Auckland: 2026 Q4 is more than half over there.
    frozen_clock.move_to(datetime.datetime(2026, 11, 15, 23, tzinfo=datetime.UTC))
    with refused("first_cycle", code="more_than_half_over"):
        onboarding_services.signup(**signup_data(timezone="Pacific/Auckland"), first_cycle="this")
    onboarding_services.signup(**signup_data(timezone="UTC"), first_cycle="this")
    assert _cycle().name == "2026 Q4"
