"""The forms of joining and leaving: sign-up, accepting an invitation, handing over what one owns."""

from typing import cast

from django import forms

from companies.forms import TIMEZONES
from companies.models import Company, User
from okrhub.web import PageForm


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
