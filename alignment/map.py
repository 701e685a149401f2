"""The alignment map: the tree page's bounded forest drawn as a server-rendered SVG graph.

Layout (:func:`layout`) is a layered tidy tree, left to right: each level is
a column, leaves take consecutive rows in reading order, and a parent sits
midway between its first and last child, so no two boxes overlap and edges
never cross. It is computed here in Python, so the map needs no script and
costs what the forest costs (a bounded number of nodes, ``alignment.selectors.Bounds``).

Each objective is a link to its page with its title, department, a progress
bar coloured by its computed status (DESIGN §3: never by confidence) and
its percent; its accessible name says the same in words. The compact list of
the same objectives is the map's accessible alternative, one link away.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from objectives.progress import Status

NODE_WIDTH = 280
NODE_HEIGHT = 64
COLUMN_GAP = 56
ROW_GAP = 14
MARGIN = 8
MORE_HEIGHT = 30
TITLE_CHARACTERS = 30


@dataclass
class Box:
    """A drawn box: an objective, or a "+N more" marker (``node`` None) under ``parent``."""

    x: float
    y: float
    height: float
    node: dict[str, Any] | None = None
    parent: "Box | None" = None
    more: int = 0


def layout(nodes: list[dict[str, Any]], *, more_roots: int = 0) -> tuple[list[Box], float, float]:
    """Place the forest ``nodes`` (each with ``children`` or None, and ``more_children``); return boxes and size.

    A node whose children are shown but not all of them gets a "+N more"
    marker below its last child; ``more_roots`` adds one below the last root.
    """
    boxes: list[Box] = []
    cursor = [float(MARGIN)]
    depth_reached = [1]

    def column(depth: int) -> float:
        return MARGIN + (depth - 1) * (NODE_WIDTH + COLUMN_GAP)

    def marker(count: int, depth: int, parent: Box | None) -> Box:
        box = Box(x=column(depth), y=cursor[0], height=MORE_HEIGHT, parent=parent, more=count)
        cursor[0] += MORE_HEIGHT + ROW_GAP
        boxes.append(box)
        return box

    def place(node: dict[str, Any], depth: int, parent: Box | None) -> Box:
        depth_reached[0] = max(depth_reached[0], depth)
        box = Box(x=column(depth), y=0.0, height=NODE_HEIGHT, node=node, parent=parent)
        boxes.append(box)
        children = node.get("children") or []
        if not children:
            box.y = cursor[0]
            cursor[0] += NODE_HEIGHT + ROW_GAP
            return box
        placed = [place(child, depth + 1, box) for child in children]
        if node.get("more_children"):
            placed.append(marker(node["more_children"], depth + 1, box))
        first, last = placed[0], placed[-1]
        box.y = (first.y + first.height / 2 + last.y + last.height / 2) / 2 - NODE_HEIGHT / 2
        return box

    for node in nodes:
        place(node, 1, None)
    if more_roots:
        marker(more_roots, 1, None)
    width = column(depth_reached[0]) + NODE_WIDTH + MARGIN
    height = max(cursor[0] - ROW_GAP + MARGIN, NODE_HEIGHT + 2 * MARGIN)
    return boxes, width, height


def _short(text: str, limit: int = TITLE_CHARACTERS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent(progress: float | None) -> str:
    return "—" if progress is None else f"{round(progress * 100)}%"


def _node(node: dict[str, Any], x: int, y: int, expected: float | None) -> str:
    """One objective's box: a link named in words, with its title, department, bar (by status) and percent.

    The bar is the node's ``shown`` value against its own cycle's pace (``expected``); once that cycle
    closed, the final score with no pace mark and no status (``alignment.selectors``).
    """
    expected = node.get("expected", expected)
    value = node.get("shown", node["progress"])
    status = node.get("pace_status")
    percent = _percent(value)
    department = node.get("department__name") or "Company"
    if node.get("other_cycle"):
        department = f"{department} · {node['cycle__name']}"
    hidden = node["child_count"] - len(node.get("children") or ())
    said = Status(status).label if status else "final score"
    name = f"{node['title']} ({department}): {percent}, {said}"
    if hidden:
        name += f", {hidden} more laddering up"
    fill = ""
    if value is not None:
        width = round(value * 150)
        tone = f" {status}" if status else ""
        fill = f'<rect class="bar-fill{tone}" x="{x + 12}" y="{y + 46}" width="{width}" height="8"/>'
    pace = ""
    if expected is not None:
        mark = x + 12 + round(round(expected * 100) * 1.5)
        pace = f'<line class="bar-pace" x1="{mark}" x2="{mark}" y1="{y + 44}" y2="{y + 56}"/>'
    badge = ""
    if hidden:
        badge = f'<text class="map-hidden" x="{x + NODE_WIDTH - 10}" y="{y + 20}" text-anchor="end">+{hidden}</text>'
    level = " company-level" if node["department_id"] is None else ""
    return (
        f'<a class="map-node" href="{escape(node["url"])}" aria-label="{escape(name)}" data-objective="{node["id"]}">'
        f"<title>{escape(name)}</title>"
        f'<rect class="map-box{level}" x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="8"/>'
        f'<text class="map-title" x="{x + 12}" y="{y + 20}">{escape(_short(node["title"]))}</text>'
        f'<text class="map-meta" x="{x + 12}" y="{y + 37}">{escape(_short(department, 28))}</text>'
        f'<rect class="bar-track" x="{x + 12}" y="{y + 46}" width="150" height="8"/>{fill}{pace}'
        f'<text class="map-percent" x="{x + 172}" y="{y + 55}">{escape(percent)}</text>{badge}</a>'
    )


def render_map(
    nodes: list[dict[str, Any]],
    *,
    expected: float | None,
    more_roots: int = 0,
    more_roots_url: str = "",
    label: str = "Alignment map",
) -> SafeString:
    """The map as one ``<svg>`` element: well-formed XML, every text escaped, no inline style (CSP)."""
    boxes, width, height = layout(nodes, more_roots=more_roots)
    edges: list[str] = []
    shapes: list[str] = []
    for box in boxes:
        if box.parent is not None:
            x1, y1 = box.parent.x + NODE_WIDTH, box.parent.y + box.parent.height / 2
            x2, y2 = box.x, box.y + box.height / 2
            middle = (x1 + x2) / 2
            curve = f"M{x1:.0f},{y1:.0f} C{middle:.0f},{y1:.0f} {middle:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            edges.append(f'<path class="map-edge" d="{curve}"/>')
        x, y = round(box.x), round(box.y)
        if box.node is None:
            parent_node = box.parent.node if box.parent is not None else None
            url = parent_node["url"] if parent_node is not None else more_roots_url
            shapes.append(
                f'<a class="map-more" href="{escape(url)}">'
                f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{MORE_HEIGHT}" rx="6"/>'
                f'<text x="{x + 12}" y="{y + 20}">+{box.more} more</text></a>'
            )
            continue
        shapes.append(_node(box.node, x, y, expected))
    return mark_safe(  # noqa: S308 - numbers, fixed enum values, and text escaped above
        f'<svg class="alignment-map" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="{escape(label)}"'
        f' width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
        f'<g class="map-edges" aria-hidden="true">{"".join(edges)}</g>{"".join(shapes)}</svg>'
    )
