"""Showing comments: a body with its mentions as names (``discussion.mentions`` renders it)."""

from django import template
from django.utils.safestring import SafeString

from discussion.mentions import render_body
from discussion.models import Comment
from discussion.selectors import ReactionCount

register = template.Library()


@register.simple_tag
def comment_body(comment: Comment) -> SafeString:
    """The comment's text, escaped, with line breaks and each recorded mention as ``@Name``."""
    return render_body(comment.body, getattr(comment, "mentioned", {}))


@register.filter
def ungiven(reactions: list[ReactionCount]) -> list[ReactionCount]:
    """The kinds nobody has given yet (offered behind "React")."""
    return [reaction for reaction in reactions if not reaction.count]
