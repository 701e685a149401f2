"""The comment form of the pages (the service validates the body; the form only reads it)."""

from typing import Any

from django import forms

from discussion.models import BODY_MAX_LENGTH
from okrhub.web import PageForm

MENTION_HELP = "Type @ and a name to mention a colleague (or @ and their email address)."


class CommentForm(PageForm):
    body = forms.CharField(
        label="Comment",
        required=False,  # the service answers a blank comment, in the same words as the API
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=MENTION_HELP,
    )

    def __init__(self, *args: Any, mentions_url: str = "", label: str = "Comment", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        field.label = label
        # static/js/okrhub.js reads data-mentions and offers the people it lists.
        field.widget.attrs.update({"data-mentions": mentions_url, "aria-autocomplete": "list"})
