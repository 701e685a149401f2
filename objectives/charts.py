"""Actual versus expected progress over a cycle, as numbers an SVG template draws.

Server-rendered so it needs no JavaScript, and labelled on the chart itself
(axes, today, the latest value) so it reads without hovering.
"""

import datetime
from dataclasses import dataclass, field

from objectives.formatting import count
from objectives.progress import Status
from objectives.progress import status as computed_status

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 56, 16, 36
#: Point labels closer than this (in chart units) to the previous one are left to the dot's tooltip.
LABEL_GAP = 30


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    actual_points: str = ""
    #: Each check-in: x, y, its value ("45%") and whether the value is written beside it
    #: (not for the last, which has its own label, nor where it would overlap the previous one).
    dots: list[tuple[float, float, str, bool]] = field(default_factory=list)
    #: The latest progress's status (DESIGN §3): the actual line's colour, as a bar's.
    status: str = Status.UNKNOWN.value
    expected_line: tuple[float, float, float, float] = (0, 0, 0, 0)
    today_x: float | None = None
    #: Whether the expected-pace line is drawn (not for a closed cycle: its pages show final scores).
    pace: bool = True
    last: tuple[float, float, str] | None = None
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)
    summary: str = ""
    #: What the actual line's legend says its points are.
    legend: str = "Actual progress (each dot is a check-in, coloured by status)"


def progress_chart(
    *,
    history: list[tuple[datetime.datetime, float | None]],
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    tzinfo: datetime.tzinfo,
    expected_now: float | None,
    points: tuple[str, str] | None = ("check-in", "check-ins"),
) -> Chart:
    """The chart of ``history`` (moments and progress) over the cycle ``start``..``end``.

    ``expected_now`` is None for a closed cycle: no "today" line, and the
    summary names no expected progress.

    Each point of the history is a check-in (a dot, labelled where there is
    room) unless ``points`` is None: then it is a daily series (a dashboard's),
    drawn as a line with only its latest value labelled.
    """
    chart = Chart()
    if points is None:
        chart.legend = "Actual progress at the end of each day (coloured by today's status)"
    span = max((end - start).days, 1)
    plot_w = chart.plot_right - chart.plot_left
    plot_h = chart.plot_bottom - chart.plot_top

    def x_for(day: datetime.date | float) -> float:
        days = day if isinstance(day, float) else (day - start).days
        return round(chart.plot_left + plot_w * min(max(days / span, 0.0), 1.0), 1)

    def y_for(value: float) -> float:
        return round(chart.plot_bottom - plot_h * value, 1)

    chart.expected_line = (x_for(start), y_for(0), x_for(end), y_for(1))
    chart.y_ticks = [(y_for(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100)]
    chart.x_labels = [(x_for(start), start.strftime("%-d %b"), "start"), (x_for(end), end.strftime("%-d %b"), "end")]
    if expected_now is not None and start < today < end:
        chart.today_x = x_for(today)
    coordinates: list[tuple[float, float]] = []
    for moment, value in history:
        if value is None:
            continue
        local = moment.astimezone(tzinfo)
        day = (local.date() - start).days + (local.hour * 60 + local.minute) / 1440
        coordinates.append((x_for(float(day)), y_for(value)))
    known = [v for _, v in history if v is not None]
    labelled_x: float = -LABEL_GAP
    for index, ((x, y), value) in enumerate(zip(coordinates, known, strict=True)):
        show = index < len(coordinates) - 1 and x - labelled_x >= LABEL_GAP and chart.plot_right - x >= LABEL_GAP
        if show:
            labelled_x = x
        if points is not None:  # a daily series is a line: a dot a day would only blur it
            chart.dots.append((x, y, f"{round(value * 100)}%", show))
    chart.actual_points = " ".join(f"{x},{y}" for x, y in coordinates)
    chart.pace = expected_now is not None
    pace = expected_now if expected_now is not None else 0.0  # closed: only done or not known colours it
    chart.status = computed_status(known[-1] if known else None, pace).value
    if coordinates:
        x, y = coordinates[-1]
        chart.last = (x, y, f"{round(known[-1] * 100)}%")
    expected_text = f"expected by today {round(expected_now * 100)}%." if expected_now is not None else "cycle closed."
    if known and points is not None:
        chart.summary = f"Progress {round(known[-1] * 100)}% after {count(len(known), *points)}; {expected_text}"
    elif known:
        chart.summary = f"Progress {round(known[-1] * 100)}% at the latest point; {expected_text}"
    elif points is not None:
        chart.summary = f"No {points[1]} yet; {expected_text}"
    else:
        chart.summary = f"No progress measured yet; {expected_text}"
    return chart
