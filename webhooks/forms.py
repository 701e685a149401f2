from django import forms

from okrhub.web import PageForm
from webhooks.events import EVENT_TYPE_LABELS, EVENT_TYPES


class EndpointForm(PageForm):
    url = forms.CharField(label="URL", max_length=2000, help_text="An https address on the public internet.")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=[(name, f"{name} — {EVENT_TYPE_LABELS[name]}") for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every event type.",
    )
    include_private = forms.BooleanField(
        label="Include private objectives", required=False, help_text="Also send events about private objectives."
    )
