"""Showing comments: a body with its mentions as names, and reaction bars.

The reaction bar is built here rather than in a template: a thread shows one
per comment, and a template include per button costs far more than the
string it produces.
"""

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from discussion.mentions import render_body
from discussion.models import Comment
from discussion.selectors import ReactionCount

register = template.Library()


@register.simple_tag
def comment_body(comment: Comment) -> SafeString:
    """The comment's text, escaped, with line breaks and each recorded mention as ``@Name``."""
    return render_body(comment.body, getattr(comment, "mentioned", {}))


def _button(bar_id: str, reaction: ReactionCount) -> SafeString:
    if reaction.count:
        title = f"{reaction.who} reacted with {reaction.label.lower()}"
        count = format_html(' <span class="count">{}</span>', reaction.count)
    else:
        title, count = f"React with {reaction.label.lower()}", SafeString("")
    return format_html(
        '<button type="submit" name="kind" value="{kind}" id="{bar}-{kind}" class="reaction{counted}"'
        ' aria-pressed="{pressed}" title="{title}"><span aria-hidden="true">{emoji}</span>'
        '<span class="visually-hidden">{label}</span>{count}</button>',
        kind=reaction.kind,
        bar=bar_id,
        counted=" counted" if reaction.count else "",
        pressed="true" if reaction.mine else "false",
        title=title,
        emoji=reaction.emoji,
        label=reaction.label,
        count=count,
    )


@register.simple_tag(takes_context=True)
def reaction_bar(
    context: dict[str, Any], reactions: list[ReactionCount], *, url: str, kind: str, pk: int, can_react: bool
) -> SafeString:
    """A reaction bar with the id ``<kind>-<pk>-reactions`` (``kind`` is comment or checkin).

    Who may react gets a button per reaction given (aria-pressed: whether they
    gave it; the tooltip says who did) and the other kinds behind "React"; the
    bar replaces itself after a click, and the clicked button keeps focus
    (htmx restores it by id). Everyone else sees the counts.
    """
    bar_id = f"{kind}-{pk}-reactions"
    if not can_react:
        return format_html(
            '<p class="reactions" id="{}">{}</p>',
            bar_id,
            format_html_join(
                "",
                '<span class="reaction counted" title="{} reacted with {}"><span aria-hidden="true">{}</span>'
                '<span class="visually-hidden">{}:</span> <span class="count">{}</span></span>',
                ((r.who, r.label.lower(), r.emoji, r.label, r.count) for r in reactions if r.count),
            ),
        )
    given = SafeString("".join(_button(bar_id, r) for r in reactions if r.count))
    ungiven = [r for r in reactions if not r.count]
    more = (
        format_html(
            '<details class="react-more"><summary>React<span class="visually-hidden"> with…</span></summary>'
            '<span class="react-choices">{}</span></details>',
            SafeString("".join(_button(bar_id, r) for r in ungiven)),
        )
        if ungiven
        else SafeString("")
    )
    return format_html(
        '<form class="reactions" id="{bar}" role="group" aria-label="Reactions" method="post" action="{url}"'
        ' hx-post="{url}" hx-target="this" hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">{given}{more}</form>',
        bar=bar_id,
        url=url,
        csrf=context.get("csrf_token", ""),
        given=given,
        more=more,
    )
