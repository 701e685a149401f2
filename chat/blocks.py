"""Slack messages and modals built with Block Kit, from the reminder and digest content of ``notifications``.

Only the layout lives here: which key results are due (``key_results_to_remind``),
what the digest says (``weekly_digest``) and which key results a person checks
in on (``weekly_key_results``, the weekly page's rows) are computed where the
emails and pages get them. Text is cut to Slack's limits (section text 3,000
characters, header 150, button 75, modal title 24; 50 blocks in a message,
100 in a modal), so a long week never makes Slack refuse the message.
"""

import json
from typing import Any

from objectives import formatting
from objectives.models import Confidence, KeyResult, Objective
from objectives.services.checkins import NOTE_MAX_LENGTH

CHECKIN_ACTION = "okr_checkin_open"
CHECKIN_CALLBACK = "okr_checkin"
#: Key results one modal holds: four blocks each plus headings stay under Slack's 100 blocks.
MODAL_MAX_KEY_RESULTS = 20
SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_MAX = 75
TITLE_MAX = 24
MESSAGE_MAX_BLOCKS = 50
#: One line of a list at most (a department's missed check-ins can run long).
LINE_MAX = 600
CONFIDENCES = [(value, label) for value, label in Confidence.choices]

Block = dict[str, Any]


def escape(text: str) -> str:
    """Text safe inside mrkdwn: Slack reads ``&``, ``<`` and ``>`` as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(markdown, SECTION_MAX)}}


def bullets(lines: list[str], *, empty: str) -> str:
    """Escaped lines as a list that fits one section; what does not fit is counted."""
    if not lines:
        return empty
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        item = f"• {cut(line, LINE_MAX)}"
        rest = len(lines) - index
        if used + len(item) + 40 > SECTION_MAX:
            out.append(f"…and {rest} more")
            break
        out.append(item)
        used += len(item) + 1
    return "\n".join(out)


def link_button(text: str, url: str, action_id: str) -> Block:
    return {"type": "button", "text": plain(text, BUTTON_MAX), "url": url, "action_id": action_id}


def reminder_message(
    *, company_name: str, person: str, key_results: list[dict[str, Any]], url: str, since: str
) -> dict[str, Any]:
    """A person's check-in reminder: their due key results, a "Check in" button (the modal) and the weekly page."""
    lines = [
        f"{escape(kr['title'])} ({kr['progress_label']})"
        + (f" — _{escape(kr['objective__title'])}_" if kr.get("objective__title") else "")
        for kr in key_results
    ]
    count = len(key_results)
    noun = "key result" if count == 1 else "key results"
    return {
        "text": escape(f"{company_name}: time to check in on {count} {noun}"),
        "blocks": [
            header(f"Time to check in at {company_name}"),
            section(f"Hello {escape(person)}, these key results of yours have had no check-in since {escape(since)}:"),
            section(bullets(lines, empty="Nothing is waiting.")),
            {
                "type": "actions",
                "block_id": "reminder-actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain("Check in", BUTTON_MAX),
                        "style": "primary",
                        "action_id": CHECKIN_ACTION,
                        "value": "checkin",
                    },
                    link_button("Open the weekly check-in", url, "okr_open_weekly"),
                ],
            },
        ],
    }


def digest_message(*, digest: dict[str, Any], person: str, url: str) -> dict[str, Any]:
    """A leader's week, from ``notifications.reminders.weekly_digest``: moved, at risk, unaligned, missed."""
    company, zone = digest["company"], digest["company"].tzinfo
    since = digest["since"].astimezone(zone).strftime("%a %d %b %H:%M")
    until = digest["until"].astimezone(zone).strftime("%a %d %b %H:%M")
    moved = [f"{escape(m['title'])}: {m['before']} → {m['after']} ({escape(m['objective'])})" for m in digest["moved"]]
    at_risk = [
        f"{escape(r['title'])} ({r['progress']}, {r['flags']}) — {escape(r['objective'])}" for r in digest["at_risk"]
    ]
    unaligned = [
        f"{escape(o['title'])} ({escape(o['department'] or '')}) ladders up to nothing" for o in digest["unaligned"]
    ]
    unaligned += [f"{escape(o['title'])} (company objective) has nothing supporting it" for o in digest["unsupported"]]
    unaligned += [f"{escape(name)} has no objectives in the cycle" for name in digest["departments_without_objectives"]]
    missed = [
        f"{escape(department)}: " + ", ".join(f"{escape(kr['title'])} ({escape(kr['owner'])})" for kr in items)
        for department, items in digest["missed_by_department"]
    ]
    return {
        "text": escape(f"{company.name}: your OKR week"),
        "blocks": [
            header(f"{company.name}: your OKR week"),
            section(f"Hello {escape(person)}, the week from {since} to {until} ({escape(company.timezone)})."),
            section("*What moved*\n" + bullets(moved, empty="Nothing was checked in this week.")),
            section("*At risk or behind pace*\n" + bullets(at_risk, empty="Nothing.")),
            section("*Unaligned*\n" + bullets(unaligned, empty="Everything is aligned.")),
            section(
                f"*Missed check-ins ({digest['missed_count']})*\n"
                + bullets(missed, empty="None: every key result was checked in this week.")
            ),
            {
                "type": "actions",
                "block_id": "digest-actions",
                "elements": [link_button("Open OKRHub", url, "okr_open_okrhub")],
            },
        ],
    }


def test_message(*, company_name: str) -> dict[str, Any]:
    text = f"OKRHub is connected to this workspace for {company_name}. Reminders and digests will arrive here."
    return {"text": escape(text), "blocks": [section(escape(text))]}


def block_id(kr_id: int, field: str) -> str:
    return f"kr{kr_id}-{field}"


def _confidence_option(value: str) -> dict[str, Any]:
    return {"text": plain(dict(CONFIDENCES)[value], BUTTON_MAX), "value": value}


def checkin_modal(*, company_name: str, objectives: list[Objective]) -> dict[str, Any]:
    """The check-in modal: a value, confidence and note for each key result the person may check in on.

    Rows are the weekly page's (``objectives.selectors.weekly_key_results``);
    a row becomes a check-in when its value is filled in.
    """
    blocks: list[Block] = []
    shown = 0
    hidden = 0
    for objective in objectives:
        rows: list[KeyResult] = [kr for kr in objective.my_key_results if kr.can_check_in]
        if not rows:
            continue
        if shown >= MODAL_MAX_KEY_RESULTS:
            hidden += len(rows)
            continue
        blocks.append(section(f"*{escape(objective.title)}*"))
        for kr in rows:
            if shown >= MODAL_MAX_KEY_RESULTS:
                hidden += 1
                continue
            shown += 1
            current = "" if kr.current_value is None else formatting.plain_decimal(kr.current_value)
            progress = "—" if kr.progress is None else f"{round(kr.progress * 100)}%"
            blocks.append(section(f"{escape(kr.title)}\n{escape(formatting.kr_standing(kr))} ({progress})"))
            value_input: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 40}
            if current:
                value_input["placeholder"] = plain(f"Now {current}", 150)
            blocks.append(
                {
                    "type": "input",
                    "block_id": block_id(kr.pk, "value"),
                    "optional": True,
                    "label": plain("New value", 2000),
                    "element": value_input,
                }
            )
            select: dict[str, Any] = {
                "type": "static_select",
                "action_id": "confidence",
                "options": [_confidence_option(value) for value, _ in CONFIDENCES],
                "initial_option": _confidence_option(kr.confidence or Confidence.ON_TRACK),
            }
            blocks.append(
                {
                    "type": "input",
                    "block_id": block_id(kr.pk, "confidence"),
                    "label": plain("Confidence", 2000),
                    "element": select,
                }
            )
            blocks.append(
                {
                    "type": "input",
                    "block_id": block_id(kr.pk, "note"),
                    "optional": True,
                    "label": plain("Note", 2000),
                    "element": {
                        "type": "plain_text_input",
                        "action_id": "note",
                        "multiline": True,
                        "max_length": NOTE_MAX_LENGTH,
                    },
                }
            )
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CHECKIN_CALLBACK,
        "title": plain("Check in", TITLE_MAX),
        "close": plain("Cancel", TITLE_MAX),
        "private_metadata": json.dumps({"company": company_name[:200]}),
    }
    if not shown:
        view["blocks"] = [section(f"You have no key results to check in on at {escape(company_name)}.")]
        return view
    if hidden:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"{hidden} more: use the weekly check-in page."}],
            }
        )
    view["submit"] = plain("Save", TITLE_MAX)
    view["blocks"] = blocks
    return view


def confirmation_modal(*, saved: list[str], url: str) -> dict[str, Any]:
    count = len(saved)
    noun = "key result" if count == 1 else "key results"
    return {
        "type": "modal",
        "callback_id": "okr_checkin_done",
        "title": plain("Checked in", TITLE_MAX),
        "close": plain("Done", TITLE_MAX),
        "blocks": [
            section(f"Saved your check-in on {count} {noun}:\n" + bullets([escape(t) for t in saved], empty="")),
            section(f"<{url}|Open the weekly check-in page>"),
        ],
    }


def notice_modal(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain("OKRHub", TITLE_MAX),
        "close": plain("Close", TITLE_MAX),
        "blocks": [section(escape(text))],
    }
