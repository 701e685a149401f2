"""The forms of joining and leaving: sign-up, accepting an invitation, handing over what one owns."""

import datetime
from typing import Any, cast

from django import forms

from companies.forms import TIMEZONES
from companies.models import Company, User
from okrhub.web import PageForm
from onboarding import first_cycle as first_cycles


class SignupForm(PageForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Work email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    company_name = forms.CharField(
        label="Company name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    company_slug = forms.SlugField(
        label="Company address",
        max_length=60,
        required=False,
        help_text="Your pages live under /c/<address>/. Leave empty to make one from the company name.",
    )
    timezone = forms.ChoiceField(label="Company time zone", choices=[(tz, tz) for tz in TIMEZONES], initial="UTC")
    cycle_length = forms.ChoiceField(
        label="Your OKR cycles last",
        choices=list(first_cycles.LENGTHS.items()),
        initial=first_cycles.QUARTERLY,
        required=False,  # empty: a quarter
        widget=forms.RadioSelect,
    )
    first_cycle = forms.ChoiceField(
        label="Start with",
        required=False,
        widget=forms.RadioSelect,  # empty: the default, see default_choice
    )
    cycle_start = forms.DateField(label="Custom start", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    cycle_end = forms.DateField(label="Custom end", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    confirm_half_over = forms.BooleanField(label="Yes, start in a cycle that is more than half over", required=False)

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this = first_cycles.period(today, length=first_cycles.QUARTERLY, which=first_cycles.THIS)
        following = first_cycles.period(today, length=first_cycles.QUARTERLY, which=first_cycles.NEXT)
        this_year = first_cycles.period(today, length=first_cycles.ANNUAL, which=first_cycles.THIS)
        next_year = first_cycles.period(today, length=first_cycles.ANNUAL, which=first_cycles.NEXT)
        field = cast(forms.ChoiceField, self.fields["first_cycle"])
        field.choices = [
            (
                first_cycles.THIS,
                f"This one: {this.name} ({round(this.elapsed(today) * 100)}% over) or {this_year.name} "
                f"({round(this_year.elapsed(today) * 100)}% over)",
            ),
            (first_cycles.NEXT, f"The next one: {following.name} or {next_year.name}"),
            (first_cycles.CUSTOM, "Custom dates (below)"),
        ]
        field.initial = first_cycles.default_choice(today)
        #: Why the default is the next quarter, when it is: a cycle more than half over is never chosen silently.
        self.half_over_note = (
            f"{this.name} is already {round(this.elapsed(today) * 100)}% over, so we suggest starting with "
            f"{following.name}. To start in {this.name} anyway, choose it and confirm below."
            if this.more_than_half_over(today)
            else ""
        )


class AcceptInvitationForm(PageForm):
    full_name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )


class ReassignForm(PageForm):
    """Who takes over the objectives and key results of someone leaving."""

    reassign_to = forms.ModelChoiceField(label="Give their objectives and key results to", queryset=User.objects.none())

    def __init__(self, *args, company: Company, leaving: User, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["reassign_to"])
        field.queryset = (
            User.objects.filter(memberships__company=company).exclude(pk=leaving.pk).order_by("full_name", "email")
        )
        field.label_from_instance = lambda u: f"{u.full_name} ({u.email})" if u.full_name else u.email  # type: ignore[method-assign, assignment]
        if label:
            field.label = label
