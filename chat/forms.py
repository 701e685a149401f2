from django import forms


class TeamsWebhookForm(forms.Form):
    url = forms.CharField(
        label="Workflows webhook URL",
        max_length=2000,
        error_messages={"required": "Enter the webhook URL the Teams workflow gave you."},
        help_text="From the Teams workflow “Post to a channel when a webhook request is received”.",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class SlackForm(forms.Form):
    """No inputs: carries the errors of a Slack action (connect, test) to the page's error summary."""

    slack = forms.CharField(required=False, label="Slack", widget=forms.HiddenInput)
