"""Tree modes: depth limit, expand all / collapse all, the compact list, the map; all bounded at any size."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment.map import NODE_HEIGHT, layout
from tests.factories import DepartmentFactory, KeyResultFactory, ObjectiveFactory

PAGE = "/c/acme/alignment/"
FRAGMENT = {"HX-Request": "true", "HX-Target": "tree-results"}
SVG = "{http://www.w3.org/2000/svg}"


def chain(team, depth: int, *, title: str = "Level") -> list:
    """A ladder ``depth`` objectives deep, the first a company objective."""
    nodes, parent = [], None
    for level in range(1, depth + 1):
        parent = ObjectiveFactory(
            company=team.company,
            cycle=team.cycle,
            department=None if level == 1 else team.department,
            parent=parent,
            status="active",
            title=f"{title} {level}",
            progress=level / 10,
        )
        KeyResultFactory(company=team.company, objective=parent, progress=level / 10)
        nodes.append(parent)
    return nodes


def page(client, query: str = "", **headers) -> str:
    response = client.get(PAGE + query, headers=headers)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def titles(html: str) -> set[str]:
    return set(re.findall(r"Level \d", html))


def test_depth_limit_expand_all_and_collapse_all(team, client_for):
    chain(team, 4)
    client = client_for(team.leader)
    assert titles(page(client, "?expand=none")) == {"Level 1"}
    assert titles(page(client)) == {"Level 1", "Level 2"}  # two levels open by default
    assert titles(page(client, "?depth=3")) == {"Level 1", "Level 2", "Level 3"}
    assert titles(page(client, "?expand=all")) == {"Level 1", "Level 2", "Level 3", "Level 4"}
    assert titles(page(client, "?expand=all&depth=2")) == {"Level 1", "Level 2"}
    html = page(client, "?depth=2")
    # The deepest open level's children stay closed, loaded on demand.
    assert 'aria-expanded="false"' in html
    assert "hx-get=" in html
    # Open levels are open: their disclosure says so and their list is not hidden.
    assert html.count('aria-expanded="true"') == 1
    # The toolbar's links are shareable URLs with the other parameters kept.
    assert 'href="?depth=2&amp;mode=list"' in html or 'href="?mode=list&amp;depth=2"' in html
    assert 'href="?expand=all"' in html
    assert 'href="?expand=none"' in html


def test_compact_list_is_one_line_per_objective_with_its_bar(team, client_for):
    chain(team, 3)
    secret = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=DepartmentFactory(company=team.company), status="active",
        title="Private plan", private=True,
    )  # fmt: skip
    html = page(client_for(team.viewer), "?mode=list")
    lines = re.findall(r'<li class="line" id="line-(\d+)">', html)
    assert len(lines) == 3
    assert str(secret.pk) not in lines
    assert "Private plan" not in html
    assert html.count('class="bar"') >= 3
    assert 'class="node-krs"' not in html  # compact: no key result rows
    assert 'aria-current="page">Compact list' in html
    # Indentation follows depth: each level is a list inside its parent's line.
    assert re.search(
        r'id="line-\d+">.*?<ul class="compact-tree".*?id="line-\d+">.*?<ul class="compact-tree"', html, re.S
    )
    assert "Private plan" in page(client_for(team.leader), "?mode=list")


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg class=\"alignment-map\".*?</svg>", html, re.S)
    assert match, "no map"
    return ET.fromstring(match.group(0))  # noqa: S314 - our own page; well-formed XML, or this raises


def test_map_is_well_formed_svg_with_one_node_per_visible_objective(team, client_for):
    levels = chain(team, 3, title="Level")
    for n in range(3):
        ObjectiveFactory(
            company=team.company, cycle=team.cycle, department=team.department, parent=levels[0], status="active",
            title=f"Sibling <{n}> & 'quoted'", progress=None,
        )  # fmt: skip
    secret = ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=DepartmentFactory(company=team.company), parent=levels[0],
        status="active", title="Private plan", private=True,
    )  # fmt: skip
    viewer_html = page(client_for(team.viewer), "?mode=map")
    svg = _svg(viewer_html)
    nodes = svg.findall(f".//{SVG}a[@class='map-node']")
    assert len(nodes) == 6
    assert {int(node.get("data-objective")) for node in nodes} == {o.pk for o in levels} | {
        o.pk for o in levels[0].children.exclude(pk=secret.pk)
    }
    assert "Private plan" not in viewer_html
    # Each node names itself in words and links to its objective; edges join every child to its parent.
    names = [node.get("aria-label") for node in nodes]
    assert any(name.startswith("Level 1 (Company): 10%") for name in names)
    assert any("Sibling <0> & 'quoted'" in name and "—" in name for name in names)
    assert len(svg.findall(f".//{SVG}path[@class='map-edge']")) == 5
    # Bars are coloured by status alone.
    assert {fill.get("class") for fill in svg.findall(f".//{SVG}rect")} >= {"bar-fill behind_pace"}
    # The accessible alternative: the same objectives as a list, one visible link away.
    assert 'href="?mode=list">View as list</a>' in viewer_html
    assert svg.get("role") == "group"
    assert svg.get("aria-label").startswith("Alignment map")
    leader = _svg(page(client_for(team.leader), "?mode=map"))
    assert len(leader.findall(f".//{SVG}a[@class='map-node']")) == 7


def test_map_layout_never_overlaps():
    def node(i, children=(), more=0):
        return {"id": i, "children": list(children) or None, "more_children": more, "child_count": len(children) + more}

    forest = [node(1, [node(2, [node(4), node(5)], more=4), node(3, more=2)]), node(6)]
    boxes, width, height = layout(forest, more_roots=3)
    # Six objectives, "+4 more" under 2 (its shown children stop short), "+3 more" roots; 3's closed
    # children are a badge on its box.
    assert len(boxes) == 8
    assert sorted(box.more for box in boxes if box.node is None) == [3, 4]
    spans = sorted((box.x, box.y, box.y + box.height) for box in boxes)
    for (x1, _, bottom), (x2, top, _) in itertools.pairwise(spans):
        assert x1 != x2 or bottom <= top
    parent = next(box for box in boxes if box.node and box.node["id"] == 2)
    kids = [box for box in boxes if box.parent is parent]
    first, last = kids[0], kids[-1]
    middle = (first.y + first.height / 2 + last.y + last.height / 2) / 2
    assert parent.y + NODE_HEIGHT / 2 == pytest.approx(middle)  # a parent sits midway along its children
    assert all(box.x + 280 <= width and box.y + box.height <= height for box in boxes)


def test_the_first_level_and_each_parent_are_bounded(team, client_for):
    top = ObjectiveFactory(company=team.company, cycle=team.cycle, status="active", title="Top")
    for n in range(60):
        ObjectiveFactory(
            company=team.company, cycle=team.cycle, department=team.department, status="active", title=f"Root {n}"
        )
        ObjectiveFactory(
            company=team.company,
            cycle=team.cycle,
            department=team.department,
            parent=top,
            status="active",
            title=f"Child {n}",
        )
    client = client_for(team.leader)
    html = page(client, "?expand=none")
    assert html.count('class="node"') == 25
    assert "Show 36 more" in html  # 61 roots: Top and 60 unaligned
    assert 'href="?expand=none&amp;offset=25"' in html
    rest = page(client, "?expand=none&offset=25", **{"HX-Request": "true", "HX-Target": "more-roots-25"})
    assert rest.count('class="node"') == 25
    assert "Show 11 more" in rest
    assert "<html" not in rest
    # Opened levels stay within the page's budget of 60 cards, each parent showing 25 at most.
    opened = page(client)
    assert opened.count('class="node"') == 50  # 25 roots, and Top's first 25 children
    assert "Show 35 more laddering up to Top" in opened


@pytest.mark.parametrize("query", ["?mode=bogus", "?depth=99", "?depth=0", "?offset=-1", "?expand=some"])
def test_bad_parameters_answer_400_naming_the_field(team, client_for, query):
    response = client_for(team.leader).get(PAGE + query)
    assert response.status_code == 400
    assert query[1:].split("=")[0] in response.content.decode()


@pytest.mark.parametrize("mode", ["tree", "list", "map"])
def test_each_mode_costs_the_same_queries_at_two_sizes(team, client_for, mode):
    client = client_for(team.leader)
    counts = []
    for size in (2, 30):
        chain(team, 3, title=f"Size {size}")
        for _ in range(size):
            ObjectiveFactory(company=team.company, cycle=team.cycle, department=team.department, status="active")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(PAGE + f"?mode={mode}&expand=all", headers=FRAGMENT)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_department_filter_keeps_ancestors_in_every_mode(team, client_for):
    levels = chain(team, 3)
    marketing = DepartmentFactory(company=team.company, name="Marketing")
    ObjectiveFactory(
        company=team.company, cycle=team.cycle, department=marketing, parent=levels[1], status="active", title="Leads"
    )
    ObjectiveFactory(company=team.company, cycle=team.cycle, department=marketing, status="active", title="Unrelated")
    client = client_for(team.leader)
    for mode in ("tree", "list", "map"):
        html = page(client, f"?department={marketing.pk}&mode={mode}&expand=all")
        assert all(title in html for title in ("Leads", "Level 2", "Level 1")), mode
        assert "Level 3" not in html, mode
