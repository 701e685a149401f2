"""Reads of a closed cycle's report: final scores, retrospectives and carry-overs, one section per department.

The page, its CSV, the REST API and the leaders' email when grading ends
all read :func:`cycle_report`, so each shows exactly what its reader may
read: objectives are filtered in SQL by the one visibility rule
(``selectors.visible_objectives_q``), so a private objective the reader
may not read is in no section, no count and no distribution. A carry-over
names its other side only when the reader may read that too.

Only the objectives that ran are reported (closed with the cycle, as
grading has them); drafts never activated and archived ones are not.
Seven queries whatever the number of departments and objectives; a large
company's report reads in pages of whole sections (:data:`PAGE_OBJECTIVES`).
"""

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from companies.models import Company
from companies.tenancy import Actor
from objectives.grading import ScoreDistribution, score_distribution
from objectives.models import Cycle, KeyResult, Objective, ObjectiveStatus, Retrospective
from objectives.selectors import can_read_objective, visible_objectives_q
from objectives.transfer import spreadsheet_safe

#: A section's name for the company-level objectives, which come first.
COMPANY_SECTION = "Company objectives"


def report_refusal(cycle: Cycle) -> tuple[str, str, str] | None:
    """Why the cycle has no report yet (field, message, code), or None: a report is of a closed cycle."""
    if not cycle.is_closed:
        return (
            "cycle",
            f"{cycle.name} is still {cycle.get_status_display().lower()}: its report is available once it closes "
            "(final scores, retrospectives and carry-overs come with the close).",
            "cycle_not_closed",
        )
    return None


@dataclass
class CarryLink:
    """The other side of a carry-over: an objective (and key result) in another cycle."""

    cycle_id: int
    cycle_name: str
    objective_id: int
    key_result_id: int | None
    title: str
    url: str = ""  # the page's link to it (set by the page)

    @property
    def label(self) -> str:
        return f"{self.cycle_name}: {self.title}"


@dataclass
class ReportKeyResult:
    id: int
    title: str
    owner: str
    weight: Decimal
    progress: float | None  # at the close: check-ins freeze with it
    final_score: float | None
    not_scored: bool
    reason: str
    carried_from: CarryLink | None = None
    carried_into: list[CarryLink] = field(default_factory=list)
    url: str = ""  # the page's link to it (set by the page)

    @property
    def weight_label(self) -> str:
        """The weight as typed: 2, 1.5 (never 2.00)."""
        return format(self.weight.normalize(), "f")

    @property
    def needs_score(self) -> bool:
        """Never checked in, and nobody scored it nor marked it not scored."""
        return self.final_score is None and not self.not_scored


@dataclass
class ReportRetrospective:
    went_well: str
    learned: str
    change: str


@dataclass
class ReportObjective:
    id: int
    title: str
    owner: str
    private: bool
    progress: float | None
    final_score: float | None
    key_results: list[ReportKeyResult]
    retrospective: ReportRetrospective | None
    carried_from: CarryLink | None = None
    carried_into: list[CarryLink] = field(default_factory=list)
    url: str = ""  # the page's link to it (set by the page)


@dataclass
class ReportSection:
    """One department's objectives (``department_id`` None: the company-level ones), with their scores.

    ``objectives`` is filled only for the sections shown in detail (those of
    the page asked for); the summary reads ``distribution`` of every one.
    """

    department_id: int | None
    name: str
    distribution: ScoreDistribution
    page: int
    objectives: list[ReportObjective] = field(default_factory=list)


@dataclass
class CycleReport:
    cycle: Cycle
    grading_open: bool
    distribution: ScoreDistribution  # every objective of the report, company-level and departments'
    carried_over: int  # objectives of the report carried into a later cycle (copies the reader may read)
    sections: list[ReportSection]  # every section, in order, for the summary
    page: int | None  # the page shown in detail; None: every section (the CSV), or one department
    pages: int

    @property
    def shown(self) -> list[ReportSection]:
        """The sections shown in detail."""
        return [section for section in self.sections if section.objectives]


#: A page of the report holds whole sections, up to about this many objectives (one larger section
#: fills a page of its own): a company of 200 departments and 10,000 objectives reads in pages (about a
#: department each), each printable and drawn within the page budget, every one with the summary of all.
PAGE_OBJECTIVES = 50


def _name(user: Any) -> str:
    return user.display_name if user is not None else ""


def _link(objective: Objective, key_result: KeyResult | None = None) -> CarryLink:
    return CarryLink(
        cycle_id=objective.cycle_id,
        cycle_name=objective.cycle.name,
        objective_id=objective.pk,
        key_result_id=key_result.pk if key_result is not None else None,
        title=key_result.title if key_result is not None else objective.title,
    )


def _paged(sections: list[ReportSection]) -> int:
    """Number the sections' pages (whole sections, about :data:`PAGE_OBJECTIVES` objectives each); return how many."""
    page, filled = 1, 0
    for section in sections:
        if filled and filled + section.distribution.total > PAGE_OBJECTIVES:
            page, filled = page + 1, 0
        section.page = page
        filled += section.distribution.total
    return page


def cycle_report(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    page: int | None = 1,
    department_id: int | None = None,
    detail: bool = True,
    now: datetime.datetime | None = None,
) -> CycleReport | None:
    """The report of the closed ``cycle`` as ``actor`` reads it (the caller checks :func:`report_refusal`).

    Every section is summed up; those of ``page`` (``None``: all of them)
    or the one of ``department_id`` are shown in detail, none without
    ``detail`` (the email). None when the page or the department is not
    one of the report's (a department the reader reads nothing of included).
    Two queries for the summary, five more for the detail.
    """
    visible = visible_objectives_q(actor=actor)
    ran = Objective.objects.filter(company=company, cycle=cycle, status=ObjectiveStatus.CLOSED).filter(visible)
    copies = Objective.objects.filter(company=company, carried_from_id=OuterRef("pk")).filter(visible)
    # No ORDER BY: sections are sorted by name below, and a distribution does not depend on its scores' order.
    rows = list(
        ran.annotate(carried=Exists(copies))
        .order_by()
        .values_list("department_id", "department__name", "final_score", "carried")
    )
    scores: dict[int | None, list[float | None]] = defaultdict(list)
    names: dict[int | None, str] = {}
    for section_id, section_name, score, _ in rows:
        scores[section_id].append(score)
        names[section_id] = section_name if section_id is not None else COMPANY_SECTION
    ordered = sorted(names, key=lambda key: (key is not None, names[key].casefold(), key or 0))
    sections = [
        ReportSection(department_id=key, name=names[key], distribution=score_distribution(scores[key]), page=1)
        for key in ordered
    ]
    pages = _paged(sections)
    if department_id is not None:
        chosen = [s for s in sections if s.department_id == department_id]
        page = None
    elif page is None:
        chosen = sections
    else:
        chosen = [s for s in sections if s.page == page]
    if (department_id is not None or (page is not None and page != 1)) and not chosen:
        return None
    report = CycleReport(
        cycle=cycle,
        grading_open=cycle.grading_open(now or timezone.now()),
        distribution=score_distribution(score for _, _, score, _ in rows),
        carried_over=sum(carried for *_, carried in rows),
        sections=sections,
        page=page,
        pages=pages,
    )
    if detail and chosen:
        _detail(company=company, actor=actor, cycle=cycle, sections=chosen, visible=visible)
    return report


def _detail(*, company: Company, actor: Actor, cycle: Cycle, sections: list[ReportSection], visible: Q) -> None:
    """Fill the chosen sections' objectives, key results, retrospectives and carry-overs (five queries)."""
    by_section = {section.department_id: section for section in sections}
    ids_of_departments = [key for key in by_section if key is not None]
    where = Q(department_id__in=ids_of_departments)
    if None in by_section:
        where |= Q(department__isnull=True)
    objectives = list(
        Objective.objects.filter(company=company, cycle=cycle, status=ObjectiveStatus.CLOSED)
        .filter(visible)
        .filter(where)
        .select_related("owner", "carried_from__cycle")
        .order_by("id")
    )
    ids = [o.pk for o in objectives]
    key_results: dict[int, list[KeyResult]] = defaultdict(list)
    kr_ids = []
    for kr in (
        KeyResult.objects.filter(company=company, objective_id__in=ids)
        .select_related("owner", "carried_from__objective__cycle")
        .order_by("id")
    ):
        key_results[kr.objective_id].append(kr)
        kr_ids.append(kr.pk)
    retrospectives = {r.objective_id: r for r in Retrospective.objects.filter(company=company, objective_id__in=ids)}
    # The copies made of these objectives and key results, in later cycles: each shown if readable.
    objective_copies: dict[int, list[CarryLink]] = defaultdict(list)
    for copy in (
        Objective.objects.filter(company=company, carried_from_id__in=ids)
        .filter(visible)
        .select_related("cycle")
        .order_by("cycle__start_date", "id")
    ):
        assert copy.carried_from_id is not None  # noqa: S101  # the filter above
        objective_copies[copy.carried_from_id].append(_link(copy))
    key_result_copies: dict[int, list[CarryLink]] = defaultdict(list)
    for kr_copy in (
        KeyResult.objects.filter(company=company, carried_from_id__in=kr_ids)
        .filter(visible_objectives_q(actor=actor, prefix="objective__"))
        .select_related("objective__cycle")
        .order_by("objective__cycle__start_date", "id")
    ):
        assert kr_copy.carried_from_id is not None  # noqa: S101  # the filter above
        key_result_copies[kr_copy.carried_from_id].append(_link(kr_copy.objective, kr_copy))
    for objective in objectives:
        origin = objective.carried_from
        by_section[objective.department_id].objectives.append(
            ReportObjective(
                id=objective.pk,
                title=objective.title,
                owner=_name(objective.owner),
                private=objective.private,
                progress=objective.progress,
                final_score=objective.final_score,
                key_results=[_key_result(actor, kr, key_result_copies) for kr in key_results.get(objective.pk, [])],
                retrospective=_retrospective(retrospectives.get(objective.pk)),
                carried_from=_link(origin) if origin is not None and can_read_objective(actor, origin) else None,
                carried_into=objective_copies.get(objective.pk, []),
            )
        )


def _key_result(actor: Actor, kr: KeyResult, copies: dict[int, list[CarryLink]]) -> ReportKeyResult:
    origin = kr.carried_from
    return ReportKeyResult(
        id=kr.pk,
        title=kr.title,
        owner=_name(kr.owner),
        weight=kr.weight,
        progress=kr.progress,
        final_score=kr.final_score,
        not_scored=kr.not_scored,
        reason=kr.score_reason,
        carried_from=(
            _link(origin.objective, origin)
            if origin is not None and can_read_objective(actor, origin.objective)
            else None
        ),
        carried_into=copies.get(kr.pk, []),
    )


def _retrospective(retrospective: Retrospective | None) -> ReportRetrospective | None:
    if retrospective is None:
        return None
    return ReportRetrospective(
        went_well=retrospective.went_well, learned=retrospective.learned, change=retrospective.change
    )


# ---------------------------------------------------------------- the CSV of the scores

CSV_HEADER = (
    "department",
    "objective",
    "objective score",
    "key result",
    "weight",
    "progress at close",
    "final score",
    "not scored",
    "reason",
    "owner",
    "carried into",
)


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def report_rows(report: CycleReport) -> Iterator[list[Any]]:
    """One row per key result (an objective without any gets one row of its own), scores as fractions 0-1."""
    for section in report.shown:
        for objective in section.objectives:
            head = [section.name, objective.title, _number(objective.final_score)]
            carried = "; ".join(link.label for link in objective.carried_into)
            if not objective.key_results:
                yield [*head, "", "", "", "", "", "", objective.owner, carried]
            for kr in objective.key_results:
                yield [
                    *head,
                    kr.title,
                    kr.weight_label,
                    _number(kr.progress),
                    _number(kr.final_score),
                    "yes" if kr.not_scored else "no",
                    kr.reason,
                    kr.owner,
                    "; ".join(link.label for link in kr.carried_into),
                ]


def report_csv(rows: Iterable[list[Any]]) -> bytes:
    """The rows as CSV under :data:`CSV_HEADER`, formula-like text neutralised (``transfer.spreadsheet_safe``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    # A byte-order mark, so spreadsheet programs read the file as UTF-8 (as the page downloads of explore/exports).
    return ("\ufeff" + buffer.getvalue()).encode()
