"""@mentions in comment bodies: the one place their syntax is defined, parsed and rendered.

A mention is ``@`` followed by a member's email address: ``@ana@acme.example``.
An email names exactly one person (addresses are unique), reads the same with
or without JavaScript (the autocomplete only saves typing it), and cannot be
confused with ordinary text: an ``@`` counts only at the start of a word (not
inside ``ops@acme.example``) and only when a whole address follows, so
"@ 5pm" or "@Ana" are just text. Trailing punctuation ends the address
("thanks @ana@acme.example." mentions Ana).

Stored bodies keep the address; pages show the person's name instead.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: ``@`` at the start of a word, then an address whose domain has at least one dot.
MENTION_PATTERN = re.compile(rf"(?<![\w@.+\-])@([A-Za-z0-9._%+\-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+)")

#: At most this many different people in one comment: a mention notifies, and a list of fifty is a broadcast.
MAX_MENTIONS = 20


class Named(Protocol):
    @property
    def display_name(self) -> str: ...


def mention_spans(body: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, email)`` of every mention in ``body``, in order; the email lowercased.

    The one parser: validation, rendering and plain-text excerpts all walk these spans.
    """
    for match in MENTION_PATTERN.finditer(body):
        yield match.start(), match.end(), match.group(1).lower()


def mentioned_emails(body: str) -> list[str]:
    """The distinct addresses ``body`` mentions, in the order they first appear."""
    return list(dict.fromkeys(email for _, _, email in mention_spans(body)))


def _replace(body: str, people: Mapping[str, Named], *, html: bool) -> str:
    parts: list[str] = []
    position = 0
    for start, end, email in mention_spans(body):
        person = people.get(email)
        if person is None:
            continue  # not a mention that was recorded: leave the text as written
        before = body[position:start]
        parts.append(escape(before) if html else before)
        name = f"@{person.display_name}"
        parts.append(f'<span class="mention" title="{escape(email)}">{escape(name)}</span>' if html else name)
        position = end
    rest = body[position:]
    parts.append(escape(rest) if html else rest)
    return "".join(parts)


def render_body(body: str, people: Mapping[str, Named]) -> SafeString:
    """``body`` as HTML: escaped, line breaks kept, each recorded mention shown as the person's name."""
    html = _replace(body, people, html=True).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece of text above went through escape()


def plain_body(body: str, people: Mapping[str, Named]) -> str:
    """``body`` as plain text with each recorded mention shown as ``@Name`` (for excerpts and emails)."""
    return _replace(body, people, html=False)
