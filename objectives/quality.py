"""Write-time OKR practice checks (DESIGN §1): outcomes not outputs, focus, laddering.

Pure functions that return :class:`Hint` values. Services attach them to what
they write (``obj.hints``) and, in ``block`` mode, refuse focus-limit breaches.
Pages call the same functions while a person types.
"""

import re
from dataclasses import asdict, dataclass

# ---------------------------------------------------------------- outcome check
#
# A key result should measure a change in the world ("Raise CSAT from 72 to 85"),
# not count the work meant to cause it ("Send out 3 surveys"). The check judges
# the *shape* of the title, in this order (first match decides):
#
# 1. Work verb first ("launch", "hire", "ship", "have", "deliver"…, after
#    fillers such as "we will"): an outcome only if the title also states a
#    measurable level (a %, a currency amount, a from→to change, or a number
#    tied to a metric word or a duration, e.g. "Deliver 99.9% uptime",
#    "Have an eNPS of 40 or higher"); a number right after the verb counts
#    work items ("Hire 3 SDRs", "Interview 20 customers") and so does
#    "100% of <work items>"; such a count decides even when a level follows
#    ("Launch 5 campaigns that lift conversion by 10%" still counts campaigns).
#    Otherwise it is work or a deliverable: activity.
# 2. Change verb first ("increase", "grow", "reduce"…): an outcome, unless what
#    grows is a count of work items ("Increase the number of blog posts…").
# 3. Anything else: an outcome when it states a measurable level or names a
#    metric; an activity when it counts work items ("10 customer calls per
#    week"), names a work item as its subject ("Weekly demo to the team"), or
#    reports a deliverable as done ("Mobile app launched").
#
# The key result's kind adds evidence: a currency amount is a result; a
# milestone with a work title is an output, and the reason says so. A unit
# that names work items ("calls", "posts") counts work like a number does.
#
# The suggestion comes from the work counted ("5 campaigns" → qualified leads),
# else a metric the title already names ("weekly churn reviews" → churn), else
# what the verb makes ("Build the data warehouse" → its adoption), else a
# generic "Increase <the metric…> from X to Y". Every suggestion passes the check.

WORK_VERBS = frozenset(
    [
        "add",
        "adopt",
        "answer",
        "attend",
        "audit",
        "automate",
        "book",
        "build",
        "call",
        "complete",
        "conduct",
        "configure",
        "contact",
        "create",
        "define",
        "deliver",
        "deploy",
        "design",
        "develop",
        "do",
        "document",
        "draft",
        "email",
        "ensure",
        "establish",
        "execute",
        "finalise",
        "finalize",
        "finish",
        "fix",
        "have",
        "hire",
        "hold",
        "host",
        "implement",
        "install",
        "integrate",
        "interview",
        "introduce",
        "kick",
        "launch",
        "localise",
        "localize",
        "make",
        "meet",
        "migrate",
        "onboard",
        "open",
        "organise",
        "organize",
        "participate",
        "perform",
        "pilot",
        "plan",
        "post",
        "prepare",
        "present",
        "produce",
        "publish",
        "record",
        "recruit",
        "redesign",
        "refactor",
        "release",
        "renegotiate",
        "negotiate",
        "replace",
        "research",
        "review",
        "revamp",
        "rewrite",
        "roll",
        "run",
        "schedule",
        "select",
        "send",
        "set",
        "ship",
        "sponsor",
        "start",
        "submit",
        "test",
        "train",
        "translate",
        "update",
        "upgrade",
        "visit",
        "write",
    ]
)
INCREASE_VERBS = frozenset(
    [
        "increase",
        "grow",
        "raise",
        "boost",
        "lift",
        "double",
        "triple",
        "expand",
        "improve",
        "maximise",
        "maximize",
        "accelerate",
        "scale",
    ]
)
DECREASE_VERBS = frozenset(["reduce", "cut", "lower", "decrease", "shrink", "minimise", "minimize", "halve"])
FILLERS = frozenset(["we", "will", "to", "successfully", "fully", "jointly", "also", "team", "our"])

# Things people produce or do; counting them counts work, not results. ("visit" is left out:
# "organic visits" are a result; "Visit 20 accounts" is caught by its verb.)
WORK_NOUNS = frozenset(
    [
        "ad",
        "article",
        "asset",
        "audit",
        "banner",
        "blog",
        "bug",
        "call",
        "campaign",
        "candidate",
        "conference",
        "course",
        "deck",
        "demo",
        "developer",
        "designer",
        "doc",
        "document",
        "drill",
        "one-on-one",
        "ebook",
        "email",
        "engineer",
        "episode",
        "event",
        "executive",
        "experiment",
        "fair",
        "faq",
        "feature",
        "guide",
        "hackathon",
        "hire",
        "integration",
        "interview",
        "lesson",
        "macro",
        "meeting",
        "meetup",
        "module",
        "newsletter",
        "offsite",
        "outreach",
        "page",
        "piece",
        "playbook",
        "podcast",
        "post",
        "prd",
        "presentation",
        "proposal",
        "prototype",
        "release",
        "report",
        "review",
        "runbook",
        "sdr",
        "bdr",
        "ae",
        "session",
        "show",
        "sprint",
        "story",
        "study",
        "summit",
        "survey",
        "task",
        "template",
        "test",
        "ticket",
        "time",
        "touchpoint",
        "training",
        "tutorial",
        "video",
        "webinar",
        "whitepaper",
        "workshop",
        "agent",
        "recruiter",
    ]
)
# Words that name what a key result measures.
METRIC_WORDS = frozenset(
    [
        "rate",
        "revenue",
        "arr",
        "mrr",
        "nps",
        "enps",
        "csat",
        "ces",
        "churn",
        "conversion",
        "retention",
        "uptime",
        "availability",
        "latency",
        "pipeline",
        "margin",
        "cost",
        "spend",
        "saving",
        "profit",
        "ebitda",
        "cash",
        "runway",
        "burn",
        "dso",
        "dpo",
        "duration",
        "speed",
        "frequency",
        "satisfaction",
        "score",
        "rating",
        "engagement",
        "adoption",
        "usage",
        "user",
        "customer",
        "client",
        "account",
        "logo",
        "lead",
        "mql",
        "sql",
        "signup",
        "sign-up",
        "trial",
        "subscriber",
        "booking",
        "deal",
        "sale",
        "traffic",
        "visitor",
        "download",
        "install",
        "follower",
        "share",
        "attrition",
        "turnover",
        "ratio",
        "accuracy",
        "error",
        "defect",
        "incident",
        "outage",
        "downtime",
        "mttr",
        "mttd",
        "backlog",
        "volume",
        "value",
        "size",
        "growth",
        "acv",
        "ltv",
        "cac",
        "roas",
        "roi",
        "payback",
        "utilisation",
        "utilization",
        "occupancy",
        "throughput",
        "yield",
        "completion",
        "resolution",
        "response",
        "deflection",
        "aov",
        "gmv",
        "nrr",
        "grr",
        "expansion",
        "upsell",
        "renewal",
        "quota",
        "attainment",
        "acceptance",
        "activation",
        "reach",
    ]
)
TIME_UNITS = frozenset(["ms", "s", "sec", "second", "minute", "min", "hour", "day", "week", "month", "year"])
DONE_WORDS = frozenset(
    ["launched", "shipped", "released", "live", "completed", "delivered", "implemented", "published", "built", "rolled"]
)
NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "fifty",
        "hundred",
    ]
)
COMPARATORS = frozenset(
    ["to", "above", "below", "under", "over", "within", "least", "most", "than", "≥", "≤", ">", "<", ">=", "<="]
)
_STOP = frozenset(
    [
        "of",
        "to",
        "from",
        "in",
        "into",
        "for",
        "per",
        "by",
        "with",
        "on",
        "at",
        "and",
        "or",
        "that",
        "which",
        "a",
        "an",
        "the",
        "within",
        "across",
        "through",
        "before",
        "after",
        "each",
        "every",
        "this",
        "next",
        "than",
        "over",
        "under",
        "above",
        "below",
        "while",
        "without",
        "so",
        "as",
        "vs",
        "→",
        "than",
    ]
)
_DETERMINERS = frozenset(["the", "a", "an", "our", "all", "every", "its", "their"])
_TOKEN = re.compile(r"[€$£]?\d[\d,]*(?:\.\d+)?(?:[km]\b)?%?|→|->|[a-z][a-z0-9'\-/]*|%|[€$£≥≤<>]=?", re.IGNORECASE)
_FROM_TO = re.compile(r"\bfrom\b.+\bto\b|→|->", re.IGNORECASE)
_CURRENCY_CODES = frozenset(["eur", "usd", "gbp", "chf", "euro", "euros", "dollars", "pounds"])
_PARTICLES = frozenset(["out", "up", "off", "on"])
# Verbs whose object is a thing people will use: its adoption is the outcome.
_MAKING_VERBS = frozenset(
    [
        "add",
        "build",
        "create",
        "deliver",
        "deploy",
        "design",
        "develop",
        "implement",
        "introduce",
        "launch",
        "redesign",
        "release",
        "revamp",
        "roll",
        "ship",
    ]
)

# The outcome a kind of work usually stands in for (first match wins).
_OUTCOME_FOR_WORK = [
    ({"campaign", "ad", "banner"}, "Increase qualified leads from campaigns from X to Y"),
    ({"sdr", "bdr", "ae", "executive"}, "Grow qualified sales pipeline from €X to €Y"),
    ({"engineer", "developer"}, "Cut lead time for changes from X to Y days"),
    ({"candidate", "recruiter"}, "Cut time to hire from X to Y days"),
    ({"survey"}, "Increase customer satisfaction (CSAT) from X to Y"),
    (
        {"post", "article", "blog", "video", "podcast", "episode", "ebook", "whitepaper", "piece", "page"},
        "Grow organic visits from X to Y per month",
    ),
    ({"newsletter"}, "Raise newsletter click-through rate from X% to Y%"),
    ({"email", "outreach", "touchpoint"}, "Raise reply rate from X% to Y%"),
    ({"call", "meeting", "visit"}, "Grow qualified pipeline from €X to €Y"),
    ({"demo"}, "Raise demo-to-deal conversion from X% to Y%"),
    (
        {"webinar", "event", "conference", "meetup", "fair", "show", "summit"},
        "Generate Y qualified leads from events, up from X",
    ),
    ({"hire"}, "Raise 90-day retention of new hires from X% to Y%"),
    ({"interview"}, "Cut time-to-value for new customers from X to Y days"),
    ({"ticket", "agent", "faq", "tutorial", "macro"}, "Raise support CSAT from X% to Y%"),
    ({"training", "course", "lesson", "workshop", "session"}, "Raise first-contact resolution rate from X% to Y%"),
    ({"test", "bug", "release", "sprint", "story"}, "Reduce escaped defects from X to Y per release"),
    ({"onboarding"}, "Raise onboarding completion from X% to Y% of new accounts"),
    (
        {"feature", "integration", "module", "prototype", "experiment"},
        "Raise weekly active usage of the feature from X to Y",
    ),
]
# A metric the activity title already mentions ("Hold weekly pipeline reviews") makes the best suggestion.
_OUTCOME_FOR_METRIC = {
    "pipeline": "Grow qualified pipeline from €X to €Y",
    "churn": "Reduce churn from X% to Y% per month",
    "revenue": "Grow revenue from €X to €Y",
    "arr": "Grow ARR from €X to €Y",
    "mrr": "Grow MRR from €X to €Y",
    "nps": "Raise NPS from X to Y",
    "enps": "Raise eNPS from X to Y",
    "csat": "Raise CSAT from X% to Y%",
    "satisfaction": "Increase customer satisfaction (CSAT) from X to Y",
    "engagement": "Raise the engagement score from X to Y",
    "retention": "Raise retention from X% to Y%",
    "conversion": "Raise conversion from X% to Y%",
    "lead": "Increase qualified leads from X to Y",
    "adoption": "Raise adoption from X% to Y% of accounts",
    "uptime": "Keep uptime at or above Y%, up from X%",
    "latency": "Cut p95 latency from X ms to Y ms",
    "attrition": "Reduce regretted attrition from X% to Y%",
    "turnover": "Reduce voluntary turnover from X% to Y%",
    "cost": "Reduce cost from €X to €Y",
    "margin": "Improve gross margin from X% to Y%",
    "incident": "Reduce P1 incidents from X to Y per month",
}
_TECH_PIPELINES = frozenset(["ci", "cd", "ci/cd", "data", "build", "deployment", "release"])
_ENGINEERING_VERBS = frozenset(["refactor", "migrate", "upgrade", "rewrite", "replace"])
# Nouns too common to suggest from unless they are what the title counts.
_TOO_VAGUE = frozenset(["page", "release", "module", "test"])
_GENERIC_SUGGESTION = "Increase <the metric this work should move> from X to Y"


@dataclass(frozen=True, slots=True)
class Hint:
    """A practice warning: a stable code, the field it concerns, and advice."""

    code: str
    message: str
    field: str | None = None
    suggestion: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the outcome check concluded about one key-result title."""

    is_activity: bool
    reason: str
    suggestion: str | None = None


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _is_number(token: str) -> bool:
    return token[0].isdigit() or token[0] in "€$£" or token in NUMBER_WORDS


def _phrase_head(tokens: list[str], start: int) -> str | None:
    """The head noun (singular) of the noun phrase starting at ``start``."""
    head = None
    for token in tokens[start:]:
        if token in _STOP or _is_number(token) or not token[0].isalpha():
            break
        head = token
    return _singular(head) if head else None


def _words(tokens: list[str]) -> set[str]:
    """Every word and hyphen/slash part, as written and singular ("sign-ups" → sign-up, sign, up…)."""
    parts = {part for token in tokens if token[0].isalpha() for part in [token, *re.split(r"[-/]", token)]}
    return parts | {_singular(part) for part in parts}


@dataclass(slots=True)
class _Shape:
    raw: list[str]  # tokens as written
    tokens: list[str]  # lower case
    verb: str
    level: bool = False  # states a measurable level
    work_count: str | None = None  # "5 campaigns", as written
    object_count: bool = False  # the work count is the leading verb's object ("Hire 3 SDRs")
    work_head: str | None = None  # the work noun counted or named


def _shape(title: str, *, kind: str | None, unit: str | None) -> _Shape:
    raw = _TOKEN.findall(title.replace("\u2019", "'").replace("1:1", "one-on-one"))
    while raw and raw[0].lower() in FILLERS:
        raw = raw[1:]
    tokens = [token.lower() for token in raw]
    shape = _Shape(raw=raw, tokens=tokens, verb=tokens[0] if tokens else "")
    metric_named = bool(_words(tokens) & METRIC_WORDS) or (unit or "").lower() in METRIC_WORDS
    has_from_to = bool(_FROM_TO.search(" ".join(tokens)))
    work_verb = shape.verb in WORK_VERBS

    def count_work(start: int, end: int, head: str, *, is_object: bool = False) -> None:
        shape.work_count, shape.work_head, shape.object_count = " ".join(raw[start:end]), head, is_object

    for i, token in enumerate(tokens):
        if not _is_number(token):
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        before = tokens[i - 1] if i else ""
        head = _phrase_head(tokens, i + 1)
        head_end = i + 1
        while head_end < len(tokens) and head and _singular(tokens[head_end]) != head:
            head_end += 1
        percent = token.endswith("%") or after in ("%", "percent")
        money = token[0] in "€$£" or after in _CURRENCY_CODES or before in ("€", "$", "£") or kind == "currency"
        if percent and after == "of" and work_verb:
            rest = [t for t in tokens[i + 2 :] if t not in _DETERMINERS]
            of_head = _phrase_head(rest, 0)
            if of_head in WORK_NOUNS:
                end = tokens.index(rest[0], i + 2) + 1 if rest else i + 1
                while end < len(tokens) and _singular(tokens[end - 1]) != of_head:
                    end += 1
                count_work(i, end, of_head, is_object=i == 1)
                continue
        if percent or money or after == "x":
            shape.level = True
            continue
        if work_verb and (i == 1 or (i == 2 and tokens[1] in _DETERMINERS)) and head:
            count_work(i, head_end + 1, head, is_object=True)
            continue
        if head in WORK_NOUNS and not has_from_to:
            count_work(i, head_end + 1, head)
            continue
        if (
            (head in TIME_UNITS and before not in ("every", "per", "each", "a"))
            or (head in METRIC_WORDS and not work_verb)
            or (metric_named and (before in COMPARATORS or after in ("or", "out") or has_from_to))
        ):
            shape.level = True
    if has_from_to and metric_named:
        shape.level = True
    if shape.work_head is None and unit:
        unit_word = _singular(unit.lower())
        if unit_word in WORK_NOUNS:
            shape.work_count, shape.work_head = f"counted in {unit}", unit_word
    return shape


def _object(shape: _Shape) -> list[str]:
    """The leading verb's object as written, without particles and determiners, up to a preposition."""
    rest = shape.raw[1:]
    while rest and rest[0].lower() in _PARTICLES | _DETERMINERS:
        rest = rest[1:]
    if [t.lower() for t in rest[:2]] in (["number", "of"], ["amount", "of"], ["count", "of"]):
        rest = rest[2:]
    while rest and rest[0].lower() in _DETERMINERS:
        rest = rest[1:]
    phrase = []
    for token in rest:
        if token.lower() in _STOP or _is_number(token.lower()) or not token[0].isalpha():
            break
        phrase.append(token)
    return phrase


def _suggestion(shape: _Shape) -> str:
    """An outcome-style title for the work: from what it counts, a metric it mentions, or what it makes."""
    later = shape.tokens[1:]
    for nouns, suggestion in _OUTCOME_FOR_WORK:
        if shape.work_head in nouns:
            return suggestion
    for i, word in enumerate(later):
        form = word if word in _OUTCOME_FOR_METRIC else _singular(word)
        if form in _OUTCOME_FOR_METRIC and not (form == "pipeline" and i and later[i - 1] in _TECH_PIPELINES):
            return _OUTCOME_FOR_METRIC[form]
    if shape.verb in _ENGINEERING_VERBS:
        return "Reduce change failure rate from X% to Y%"
    nouns_named = {_singular(word) for word in later} - _TOO_VAGUE
    for nouns, suggestion in _OUTCOME_FOR_WORK:
        if nouns & nouns_named:
            return suggestion
    if shape.verb in ("launch", "open", "expand") and later[:1] == ["in"]:
        place = " ".join(shape.raw[2:])
        return f"Win Y paying customers in {place}, up from X"
    deliverable = _object(shape)
    end = len(deliverable) + 1
    if shape.verb in _MAKING_VERBS and deliverable and not (end < len(later) and _is_number(later[end - 1])):
        return f"Raise adoption of the {' '.join(deliverable)} from X% to Y% of target users"
    return _GENERIC_SUGGESTION


def classify_key_result(title: str, *, kind: str | None = None, unit: str | None = None) -> Assessment:
    """Judge whether a key-result title measures an outcome or counts activity (rules above)."""
    shape = _shape(title, kind=kind, unit=unit)
    tokens, verb = shape.tokens, shape.verb
    if not tokens:
        return Assessment(False, "there is nothing to judge yet")
    reason = None
    if verb in WORK_VERBS:
        if shape.level and not shape.object_count:
            return Assessment(False, "it states a measurable level to reach")
        if shape.work_count:
            reason = f"it counts work done ({shape.work_count}), not the change that work should cause"
        elif kind == "milestone":
            reason = "it is a milestone that marks an output; done or not done says nothing about what it changed"
        else:
            reason = "it names work to do or a deliverable to produce, not the change it should bring"
    elif verb in INCREASE_VERBS or verb in DECREASE_VERBS:
        head = _phrase_head([t.lower() for t in _object(shape)], 0)
        if verb not in INCREASE_VERBS or head not in WORK_NOUNS:
            return Assessment(False, "it names a change in a measurable result")
        shape.work_head = head
        reason = f"it grows a count of work items ({' '.join(_object(shape))}), not a result they should cause"
    elif shape.level:
        return Assessment(False, "it states a measurable level to reach")
    elif shape.work_count:
        reason = f"it counts work done ({shape.work_count}), not the change that work should cause"
    elif _words(tokens) & DONE_WORDS and not _words(tokens) & METRIC_WORDS:
        reason = "it reports a deliverable as done, an output rather than the change it should bring"
    else:
        head = _phrase_head(tokens, 0)
        if head in WORK_NOUNS and not _words(tokens) & METRIC_WORDS:
            shape.work_head = head
            reason = f"it names a piece of work ({head}), not the change it should bring"
    if reason is None:
        return Assessment(False, "it names a result to change")
    return Assessment(True, reason, _suggestion(shape))


def key_result_title_hints(
    title: str, *, kind: str | None = None, unit: str | None = None, field: str = "title"
) -> list[Hint]:
    """Flag activity-style key results ("Send out 3 surveys", "Launch 5 campaigns").

    A key result should name a change in a measurable outcome ("Improve CSAT
    from 72 to 85"). :func:`classify_key_result` judges the title's shape; an
    activity gets a hint explaining why, with an outcome-style suggestion.
    ``field`` names what the hint is about: the title on a key-result form,
    ``key_results`` when an objective is activated.
    """
    assessment = classify_key_result(title, kind=kind, unit=unit)
    if not assessment.is_activity:
        return []
    return [
        Hint(
            code="activity_key_result",
            field=field,
            message=(
                f"“{title.strip()}” describes an activity (an output), not the outcome it should cause: "
                f"{assessment.reason}. Key results measure results: what changes for customers or the "
                "business if the work succeeds."
            ),
            suggestion=assessment.suggestion,
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
