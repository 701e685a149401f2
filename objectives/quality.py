"""Write-time OKR practice checks (DESIGN §1): outcomes not outputs, focus, laddering.

Pure functions that return :class:`Hint` values. Services attach them to what
they write (``obj.hints``) and, in ``block`` mode, refuse focus-limit breaches.
Pages call the same functions while a person types.
"""

import re
from dataclasses import asdict, dataclass

# Verbs that describe doing something rather than changing something.
ACTIVITY_VERBS = frozenset(
    {
        "send",
        "publish",
        "write",
        "hold",
        "run",
        "organize",
        "organise",
        "host",
        "attend",
        "do",
        "conduct",
        "post",
        "call",
        "email",
        "schedule",
        "prepare",
        "draft",
        "create",
        "make",
        "build",
        "produce",
        "record",
        "present",
        "visit",
        "meet",
        "plan",
        "complete",
        "finish",
        "deliver",
        "implement",
        "interview",
        "contact",
        "distribute",
        "design",
        "update",
        "review",
        "document",
        "train",
        "set",
        "start",
        "perform",
        "submit",
    }
)

# Nouns of common activities, and the outcome each usually stands in for.
OUTCOME_FOR_ACTIVITY = {
    "survey": "Increase customer satisfaction (CSAT) from <baseline> to <target>",
    "post": "Grow organic visits from <baseline> to <target> per month",
    "article": "Grow organic visits from <baseline> to <target> per month",
    "blog": "Grow organic visits from <baseline> to <target> per month",
    "newsletter": "Raise newsletter click-through rate from <baseline>% to <target>%",
    "email": "Raise reply rate from <baseline>% to <target>%",
    "call": "Grow qualified pipeline from <baseline> to <target>",
    "meeting": "Grow qualified pipeline from <baseline> to <target>",
    "demo": "Raise demo-to-deal conversion from <baseline>% to <target>%",
    "webinar": "Generate <target> qualified leads from webinars",
    "interview": "Cut time-to-value for new customers from <baseline> to <target> days",
    "training": "Raise first-time resolution rate from <baseline>% to <target>%",
    "workshop": "Raise adoption of <feature> from <baseline>% to <target>% of accounts",
    "feature": "Raise weekly active usage of <feature> from <baseline> to <target>",
    "test": "Reduce escaped defects from <baseline> to <target> per release",
    "campaign": "Increase qualified leads from <baseline> to <target>",
    "event": "Increase qualified leads from <baseline> to <target>",
}

_WORD = re.compile(r"[a-zA-Z]+")
_FROM_TO = re.compile(r"\bfrom\b.+\bto\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hint:
    """A practice warning: a stable code, the field it concerns, and advice."""

    code: str
    message: str
    field: str | None = None
    suggestion: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def key_result_title_hints(title: str) -> list[Hint]:
    """Flag activity-style key results ("Send out 3 surveys").

    A key result should name a change in a measurable outcome ("Improve CSAT
    from 72 to 85"). A title that starts with an activity verb and does not
    state a from/to change is counting work done, not results.
    """
    words = _WORD.findall(title)
    if not words or _FROM_TO.search(title):
        return []
    verb = words[0].lower()
    if verb not in ACTIVITY_VERBS:
        return []
    suggestion = None
    for word in words[1:]:
        suggestion = OUTCOME_FOR_ACTIVITY.get(_singular(word))
        if suggestion:
            break
    if suggestion is None:
        suggestion = "Increase <the metric this work should move> from <baseline> to <target>"
    return [
        Hint(
            code="activity_key_result",
            field="title",
            message=(
                f"“{title.strip()}” describes an activity (an output), not the outcome it should "
                "cause. Key results measure results: what changes for customers or the business "
                "if the work succeeds."
            ),
            suggestion=suggestion,
        )
    ]


def focus_hint(*, what: str, count: int, limit: int, field: str | None = None) -> Hint | None:
    """A hint when adding one more ``what`` would exceed ``limit`` (``count`` exist)."""
    if count < limit:
        return None
    return Hint(
        code="focus_limit",
        field=field,
        message=(
            f"This would make {count + 1} {what}; the company keeps it to {limit} so that the few that matter get done."
        ),
    )


def missing_parent_hint(*, department_id: int | None, parent_id: int | None) -> Hint | None:
    if department_id is None or parent_id is not None:
        return None
    return Hint(
        code="unaligned",
        field="parent",
        message=(
            "This department objective ladders up to nothing. Pick the company objective "
            "(or parent-department objective) it serves."
        ),
    )
