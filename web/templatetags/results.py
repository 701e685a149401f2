"""Search results as list items (``{% load results %}``): one compact line per objective, key result,
person or department, with the searched words marked.

A tag writing plain strings rather than a template loop: the compact list of
a large company is 10,000 lines, and a template loop with a bar per line cost
most of a second where this costs a few tens of milliseconds. Every text is
escaped (``html.escape``, what Django's ``escape`` does, without its lazy-text
wrapper, which cost more than the escaping at this count); bars and badges
come from the site's own tags.
"""

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from companies.models import Role
from explore.highlight import highlight, snippet
from objectives.models import ObjectiveStatus
from web.templatetags.okr import confidence_badge, progress_bar, status_badge

register = template.Library()

Row = Mapping[str, Any]
ACTIVE = ObjectiveStatus.ACTIVE.value
LIFECYCLE_BADGES = {
    status.value: f' <span class="badge status-{status.value}">{escape(status.label)}</span>'
    for status in ObjectiveStatus
    if status != ObjectiveStatus.ACTIVE
}
PRIVATE_BADGE = ' <span class="badge gap">Private</span>'
ROLE_LABELS = {role.value: role.label for role in Role}


def _meta(*parts: str | None) -> str:
    shown = [part for part in parts if part]
    return f'<span class="meta">{" · ".join(shown)}</span>' if shown else ""


def _title(text: str, words: Sequence[str]) -> str:
    return highlight(text, words) if words else escape(text)


def _okr_line(row: Row, words: Sequence[str], url: str, meta: str) -> str:
    expected, progress = row["expected"], row["progress"]
    flags = LIFECYCLE_BADGES.get(row.get("objective_status") or ACTIVE, "")
    if row["private"]:
        flags += PRIVATE_BADGE
    found = snippet(row.get("description") or "", words) if words else None
    found_in = f'<p class="snippet">{found}</p>' if found else ""
    confidence = confidence_badge(row["confidence"]) if row.get("confidence") else ""
    return (
        f'<li class="result" id="{row["kind"]}-{row["id"]}"><div class="result-main">'
        f'<a class="result-title" href="{escape(url)}">{_title(row["title"], words)}</a>{flags}'
        f"{meta}{found_in}</div>"
        f'<div class="result-progress">{progress_bar(progress, expected)}{status_badge(progress, expected)}'
        f"{confidence}</div></li>"
    )


def _row(row: Row, words: Sequence[str], link: Callable[[Row], str], departments_of: Mapping[int, list[str]]) -> str:
    kind = row["kind"]
    url = link(row)
    if kind in ("objective", "key_result"):
        where = escape(row["department_name"]) if row["department_name"] else "Company"
        owner = escape(row["owner_name"]) if row["owner_name"] else ""
        if kind == "objective":
            return _okr_line(row, words, url, _meta(where, owner))
        objective = f"Key result of {_title(row['objective_title'], words)}"
        return _okr_line(row, words, url, _meta(objective, where, owner))
    if kind == "person":
        departments = escape(", ".join(departments_of.get(row["id"], [])))
        meta = _meta(_title(row["email"], words), ROLE_LABELS.get(row["role"], ""), departments)
        return (
            f'<li class="result" id="person-{row["id"]}"><div class="result-main">'
            f'<a class="result-title" href="{escape(url)}">{_title(row["title"], words)}</a> '
            f'<span class="result-hint">their objectives</span>{meta}</div></li>'
        )
    inside = f"Inside {escape(row['department_name'])}" if row["department_name"] else "Department"
    return (
        f'<li class="result" id="department-{row["id"]}"><div class="result-main">'
        f'<a class="result-title" href="{escape(url)}">{_title(row["title"], words)}</a>{_meta(inside)}'
        "</div></li>"
    )


@register.simple_tag
def result_rows(
    rows: Sequence[Row],
    words: Sequence[str],
    link: Callable[[Row], str],
    departments_of: Mapping[int, list[str]] | None = None,
) -> SafeString:
    """``<li>`` lines for ``rows`` (of any kind), linking with ``link`` (``explore.links.ResultLinks``)."""
    people = departments_of or {}
    return mark_safe("".join(_row(row, words, link, people) for row in rows))  # noqa: S308 - escaped in _row
