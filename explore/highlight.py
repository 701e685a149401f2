"""The searched words marked in what a result shows, with everything else escaped."""

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: How much of a description a result shows around its first match.
SNIPPET_LENGTH = 160
SNIPPET_LEAD = 60


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    # A word matches at the start of a word in the text (as the search does) and marks the whole word.
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def highlight(text: str, words: Sequence[str]) -> SafeString:
    """``text`` escaped, with each word starting with a searched word in ``<mark>``."""
    if not words or not text:
        return escape(text)
    parts: list[str] = []
    last = 0
    for match in _pattern(words).finditer(text):
        parts += [escape(text[last : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text is escaped above


def snippet(text: str, words: Sequence[str]) -> SafeString | None:
    """The part of ``text`` around the first searched word, highlighted; None if no word is in it."""
    if not words or not text:
        return None
    match = _pattern(words).search(text)
    if match is None:
        return None
    start = max(0, match.start() - SNIPPET_LEAD)
    end = min(len(text), start + SNIPPET_LENGTH)
    piece = " ".join(text[start:end].split())
    return highlight(("…" if start else "") + piece + ("…" if end < len(text) else ""), words)
