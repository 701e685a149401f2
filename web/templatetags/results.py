"""Search results as list items (``{% load results %}``): one compact line per objective, key result,
person or department, with the searched words marked.

A tag writing plain strings rather than a template loop: the compact list of
a large company is 10,000 lines, and a template loop with a bar per line cost
most of a second where this costs a few tens of milliseconds. Every text is
escaped (``explore.highlight``); bars and badges come from the site's own tags.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from companies.models import Role
from explore.highlight import highlight, snippet
from objectives.models import ObjectiveStatus
from web.templatetags.okr import confidence_badge, progress_bar, status_badge

register = template.Library()

Row = Mapping[str, Any]


def _meta(*parts: str | None) -> str:
    shown = [part for part in parts if part]
    return f'<span class="meta">{" · ".join(shown)}</span>' if shown else ""


def _okr_line(row: Row, words: Sequence[str], url: str, extra: str) -> str:
    expected = row["expected"]
    flags = ""
    if row.get("objective_status") and row["objective_status"] != ObjectiveStatus.ACTIVE:
        status = row["objective_status"]
        flags += f' <span class="badge status-{escape(status)}">{escape(ObjectiveStatus(status).label)}</span>'
    if row["private"]:
        flags += ' <span class="badge gap">Private</span>'
    found = snippet(row.get("description") or "", words) if words else None
    found_in = f'<p class="snippet">{found}</p>' if found else ""
    return (
        f'<li class="result" id="{row["kind"]}-{row["id"]}"><div class="result-main">'
        f'<a class="result-title" href="{escape(url)}">{highlight(row["title"], words)}</a>{flags}'
        f"{extra}{found_in}</div>"
        f'<div class="result-progress">{progress_bar(row["progress"], expected)}'
        f"{status_badge(row['progress'], expected)}{confidence_badge(row.get('confidence') or '')}</div></li>"
    )


def _row(row: Row, words: Sequence[str], link: Callable[[Row], str], departments_of: Mapping[int, list[str]]) -> str:
    kind = row["kind"]
    url = link(row)
    if kind == "objective":
        where = escape(row["department_name"]) if row["department_name"] else "Company"
        return _okr_line(row, words, url, _meta(where, escape(row["owner_name"] or "")))
    if kind == "key_result":
        where = escape(row["department_name"]) if row["department_name"] else "Company"
        objective = f"Key result of {highlight(row['objective_title'], words)}"
        return _okr_line(row, words, url, _meta(objective, where, escape(row["owner_name"] or "")))
    if kind == "person":
        departments = ", ".join(departments_of.get(row["id"], []))
        meta = _meta(highlight(row["email"], words), Role(row["role"]).label, escape(departments))
        label = '<span class="result-hint">their objectives</span>'
        return (
            f'<li class="result" id="person-{row["id"]}"><div class="result-main">'
            f'<a class="result-title" href="{escape(url)}">{highlight(row["title"], words)}</a> {label}{meta}'
            "</div></li>"
        )
    inside = f"Inside {escape(row['department_name'])}" if row["department_name"] else "Department"
    return (
        f'<li class="result" id="department-{row["id"]}"><div class="result-main">'
        f'<a class="result-title" href="{escape(url)}">{highlight(row["title"], words)}</a>{_meta(inside)}'
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
