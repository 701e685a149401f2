"""The query parameters of a search: a contract other pages link to, read in one place.

``/c/<slug>/search/``, its exports and ``/api/v1/companies/<slug>/search/``
all take the same parameters and read them here (:func:`parse`):

- ``q``: text; every word must match (as a prefix on PostgreSQL);
- ``kind``: ``all``, ``objective``, ``key_result``, ``person`` or
  ``department`` (default: ``all`` with ``q``, ``objective`` without);
- ``cycle``: a cycle's id, or ``all`` (default: the current cycle, as on every page);
- ``department``: a department's id; teams inside it are included;
- ``owner``: a person's id (objectives and key results they own);
- ``status``: the computed status (``on_track``, ``behind_pace``, ``done``, ``unknown``);
- ``confidence``: the owner's last confidence (``on_track``, ``at_risk``,
  ``off_track``); an objective matches through any of its key results;
- ``pace``: ``behind`` (more than the margin below the expected pace);
- ``stale``: ``1`` (key results of active objectives with no check-in within
  the company's cadence, and their objectives);
- ``counted``: ``1`` (objectives that count, active or closed, as the tree and
  the dashboards count them, and their key results: no drafts, nothing
  archived); the dashboards' tiles link with it, so a list holds what its tile counted;
- ``page``: a page number (of one kind), or ``all`` for every row (of every kind listed).

``owner``, ``status``, ``confidence``, ``pace``, ``stale`` and ``counted`` describe
objectives and key results: with any of them the search lists those two
kinds only, and asking for people or departments with them is an error.

An empty value is the same as no value (a form sends its empty fields). An
unknown, repeated or malformed parameter is a ``ValidationError`` naming it;
a well-formed id of nothing in the company is ``NotFound``, as everywhere.
"""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import QueryDict

from departments.ancestry import department_and_descendants
from explore.search import words as search_words
from objectives.models import Confidence, Cycle
from objectives.progress import Status
from objectives.selectors import current_cycle
from okrhub.errors import not_found
from okrhub.text import validate_single_line

ALL = "all"
KINDS = ("objective", "key_result", "person", "department")
SEARCH_KINDS = (ALL, *KINDS)
KIND_LABELS = {"objective": "Objectives", "key_result": "Key results", "person": "People", "department": "Departments"}
KIND_NAMES = {"objective": "Objective", "key_result": "Key result", "person": "Person", "department": "Department"}
PARAMETERS = (
    "q", "kind", "cycle", "department", "owner", "status", "confidence", "pace", "stale", "counted", "page",
)  # fmt: skip
#: Filters that describe objectives and key results only.
OKR_FILTERS = ("owner", "status", "confidence", "pace", "stale", "counted")
OKR_KINDS = ("objective", "key_result")
#: The longest search text, and the most words in it.
MAX_TEXT = 200
MAX_WORDS = 12
#: Rows per page of one kind; rows per kind when every kind is listed.
PAGE_SIZE = 200
PER_KIND = 10
BEHIND = "behind"
STALE = "1"
COUNTED = "1"


@dataclass(frozen=True)
class Search:
    """A parsed search: what to list, by what text and filters, which page."""

    q: str = ""
    words: tuple[str, ...] = ()
    kind: str = "objective"
    cycle: Cycle | None = None
    all_cycles: bool = False
    department_id: int | None = None
    department_ids: tuple[int, ...] = ()
    owner_id: int | None = None
    status: Status | None = None
    confidence: str | None = None
    behind_pace: bool = False
    stale: bool = False
    counted: bool = False
    page: int | None = 1
    #: The parameters as given (canonical: no empty ones), for links that keep the search.
    given: Mapping[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds listed: the one asked for, or every kind the filters describe."""
        if self.kind != ALL:
            return (self.kind,)
        return OKR_KINDS if self.okr_filtered else KINDS

    @property
    def okr_filtered(self) -> bool:
        return any(name in self.given for name in OKR_FILTERS)

    @property
    def has_text(self) -> bool:
        return bool(self.q)

    def query_string(self, **changes: str | None) -> str:
        """The search's parameters with ``changes`` (None drops one), as a URL query (no leading ``?``)."""
        merged = {**self.given, **changes}
        return urlencode([(name, merged[name]) for name in PARAMETERS if merged.get(name)])


def parse(
    params: QueryDict,
    *,
    cycles: Sequence[Cycle],
    departments: Mapping[int, int | None],
    is_member: Callable[[int], bool],
    today: datetime.date,
) -> Search:
    """Read and check the parameters (see the module docstring).

    ``params`` is a request's ``GET`` (or DRF's ``query_params``), ``cycles``
    the company's cycles, ``departments`` its ``id → parent_id`` map,
    ``is_member`` says whether a user id belongs to the company, ``today`` is
    the company's local date (for the default cycle).
    """
    errors: dict[str, str] = {}
    given: dict[str, str] = {}
    for name in params:
        values = params.getlist(name)
        if name not in PARAMETERS:
            errors[name] = f"Unknown parameter; a search takes: {', '.join(PARAMETERS)}."
        elif len(values) > 1:
            errors[name] = "Send this parameter once."
        elif values[0].strip():
            given[name] = values[0].strip()

    q = given.get("q", "")
    if len(q) > MAX_TEXT:
        errors["q"] = f"Search for at most {MAX_TEXT} characters."
    elif q:
        try:
            validate_single_line(q)
        except ValidationError as error:
            if error.code != "blank":  # invisible characters only: nothing to search for, like an empty box
                errors["q"] = error.messages[0]
            given.pop("q")
            q = ""
    words = search_words(q) if "q" not in errors else ()
    if len(words) > MAX_WORDS:
        errors["q"] = f"Search for at most {MAX_WORDS} words."

    kind = given.get("kind", ALL if q else "objective")
    if kind not in (ALL, *KINDS):
        errors["kind"] = f"Choose one of: {ALL}, {', '.join(KINDS)}."
    elif kind not in (ALL, *OKR_KINDS):
        for name in OKR_FILTERS:
            if name in given and name not in errors:
                errors[name] = "This filter applies to objectives and key results only."

    cycle_id = _id_or_all(given.get("cycle"), "cycle", errors)
    department_id = _id_or_all(given.get("department"), "department", errors, allow_all=False)
    owner_id = _id_or_all(given.get("owner"), "owner", errors, allow_all=False)
    status = _choice(given.get("status"), "status", [s.value for s in Status], errors)
    confidence = _choice(given.get("confidence"), "confidence", list(Confidence.values), errors)
    _choice(given.get("pace"), "pace", [BEHIND], errors)
    _choice(given.get("stale"), "stale", [STALE], errors)
    _choice(given.get("counted"), "counted", [COUNTED], errors)
    page: int | None = 1
    raw_page = given.get("page")
    if raw_page == ALL:
        page = None
    elif raw_page is not None:
        if not _whole_number(raw_page) or not 1 <= int(raw_page) <= 1_000_000:
            errors["page"] = "Send a page number (1, 2, …) or “all”."
        elif int(raw_page) > 1 and kind == ALL:
            errors["page"] = "Pages list one kind: choose a kind, or ask for “all” rows."
        else:
            page = int(raw_page)
    if errors:
        raise ValidationError({name: ValidationError(message, code="invalid") for name, message in errors.items()})

    cycle: Cycle | None
    if cycle_id == ALL:
        cycle = None
    elif cycle_id is not None:
        cycle = next((c for c in cycles if c.pk == cycle_id), None)
        if cycle is None:
            raise not_found("cycle")
    else:
        cycle = current_cycle(cycles, today)
    department_ids: tuple[int, ...] = ()
    if isinstance(department_id, int):
        if department_id not in departments:
            raise not_found("department")
        department_ids = tuple(department_and_descendants(departments, department_id))
    if isinstance(owner_id, int) and not is_member(owner_id):
        raise not_found("owner")
    return Search(
        q=q,
        words=words,
        kind=kind,
        cycle=cycle,
        all_cycles=cycle_id == ALL,
        department_id=department_id if isinstance(department_id, int) else None,
        department_ids=department_ids,
        owner_id=owner_id if isinstance(owner_id, int) else None,
        status=Status(status) if status else None,
        confidence=confidence,
        behind_pace="pace" in given,
        stale="stale" in given,
        counted="counted" in given,
        page=page,
        given=given,
    )


def _id_or_all(value: str | None, name: str, errors: dict[str, str], *, allow_all: bool = True) -> int | str | None:
    if value is None:
        return None
    if allow_all and value == ALL:
        return ALL
    if not _whole_number(value) or not 1 <= int(value) <= 2**63 - 1:
        errors[name] = "Send the id of one (a whole number)" + (", or “all”." if allow_all else ".")
        return None
    return int(value)


def _choice(value: str | None, name: str, choices: list[str], errors: dict[str, str]) -> str | None:
    if value is not None and value not in choices:
        errors[name] = f"Choose one of: {', '.join(choices)}."
        return None
    return value


def _whole_number(value: str) -> bool:
    return value.isascii() and value.isdecimal() and len(value) <= 19
