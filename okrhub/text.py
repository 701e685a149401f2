"""What free text people type may hold: the one home of the rule, used by every model field of names,
titles, descriptions and notes (and so by every form, serializer, import and admin that saves them).

- Names and titles are single-line: no control characters at all (CR and
  LF in a company name broke the invitation email's subject), no Unicode
  line or paragraph separators, no bidirectional overrides or isolates
  (which make a title read differently from what it says).
- Descriptions and notes are multi-line: line breaks and tabs are allowed,
  other control characters and bidi controls are not.
- Text made only of invisible characters (zero-width spaces and joiners,
  whitespace) counts as blank. Zero-width joiners *inside* visible text are
  fine: emoji sequences and several scripts need them.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

#: Bidirectional embeddings, overrides, isolates and marks (Unicode TR9; "Trojan Source").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = "\n\r\t"


def _forbidden(char: str, allowed: str) -> bool:
    if char in allowed:
        return False
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


@deconstructible
class TextValidator:
    """Refuses control characters (all of them, or all but line breaks and tabs) and invisible-only text."""

    def __init__(self, *, multi_line: bool = False) -> None:
        self.multi_line = multi_line

    def __call__(self, value: str) -> None:
        allowed = LINE_BREAKS if self.multi_line else ""
        if any(_forbidden(char, allowed) for char in value):
            message = (
                "Text may not contain control characters or text-direction overrides."
                if self.multi_line
                else "Use one line of text, without tabs, control characters or text-direction overrides."
            )
            raise ValidationError(message, code="control_characters")
        if all(_invisible(char) for char in value):
            raise ValidationError("This field cannot be blank.", code="blank")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multi_line == self.multi_line

    def __hash__(self) -> int:
        return hash(self.multi_line)


validate_single_line = TextValidator()
validate_multi_line = TextValidator(multi_line=True)
