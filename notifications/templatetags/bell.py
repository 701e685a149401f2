"""The bell in every page's header: a link to the notifications with the unread count, kept fresh by htmx.

The header renders no count itself (that would add a query to every page):
the count fragment loads at once and then every
``OKRHUB_NOTIFICATION_POLL_SECONDS``, when the tab becomes visible again and
when the window regains focus (``notifications.views.unread_count``).
"""

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    return {
        "slug": request.company.slug,
        "poll": settings.OKRHUB_NOTIFICATION_POLL_SECONDS,
        "initial": True,
        "label": None,
        "here": getattr(request.resolver_match, "namespace", "") == "notifications",
    }
