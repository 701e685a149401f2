"""Microsoft Teams messages: Adaptive Cards (1.4) posted through a Workflows incoming webhook.

Built from the same content as the emails (``notifications.reminders``); the
channel is read by everyone in it, so its content is computed for a reader
who sees no private objective (``chat.services.channel_actor``).
"""

from typing import Any

CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
#: Lines a card lists before it counts the rest (Teams cuts cards at about 28 KB).
MAX_LINES = 25


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _lines(lines: list[str], *, empty: str) -> list[dict[str, Any]]:
    if not lines:
        return [_text(empty, isSubtle=True)]
    shown = [f"- {line}" for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"…and {len(lines) - MAX_LINES} more")
    return [_text("\n".join(shown))]


def message(*, body: list[dict[str, Any]], url: str, action: str) -> dict[str, Any]:
    """The webhook payload: one Adaptive Card attachment with an "Open …" action to ``url``."""
    card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": action, "url": url}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def reminders_card(*, company_name: str, people: list[tuple[str, int]], since: str, url: str) -> dict[str, Any]:
    """Who has key results waiting for this week's check-in, and how many (names and counts only)."""
    total = sum(count for _, count in people)
    body = [
        _text(f"Time to check in at {company_name}", size="Medium", weight="Bolder"),
        _text(f"{total} key results have had no check-in since {since}." if people else "Nothing is waiting."),
    ]
    if people:
        body.append(
            {"type": "FactSet", "facts": [{"title": name, "value": str(count)} for name, count in people[:MAX_LINES]]}
        )
    return message(body=body, url=url, action="Open check-in")


def digest_card(*, digest: dict[str, Any], url: str) -> dict[str, Any]:
    company, zone = digest["company"], digest["company"].tzinfo
    since = digest["since"].astimezone(zone).strftime("%a %d %b %H:%M")
    until = digest["until"].astimezone(zone).strftime("%a %d %b %H:%M")
    unaligned = [f"{o['title']} ({o['department'] or ''}) ladders up to nothing" for o in digest["unaligned"]]
    unaligned += [f"{o['title']} (company objective) has nothing supporting it" for o in digest["unsupported"]]
    unaligned += [f"{name} has no objectives in the cycle" for name in digest["departments_without_objectives"]]
    body = [
        _text(f"{company.name}: the OKR week", size="Medium", weight="Bolder"),
        _text(f"From {since} to {until} ({company.timezone}).", isSubtle=True),
        _text("What moved", weight="Bolder"),
        *_lines(
            [f"{m['title']}: {m['before']} → {m['after']} ({m['objective']})" for m in digest["moved"]],
            empty="Nothing was checked in this week.",
        ),
        _text("At risk or behind pace", weight="Bolder"),
        *_lines([f"{r['title']} ({r['progress']}, {r['flags']})" for r in digest["at_risk"]], empty="Nothing."),
        _text("Unaligned", weight="Bolder"),
        *_lines(unaligned, empty="Everything is aligned."),
        _text(f"Missed check-ins ({digest['missed_count']})", weight="Bolder"),
        (
            {
                "type": "FactSet",
                "facts": [
                    {"title": department, "value": str(len(items))}
                    for department, items in digest["missed_by_department"]
                ],
            }
            if digest["missed_by_department"]
            else _text("None: every key result was checked in this week.", isSubtle=True)
        ),
    ]
    return message(body=body, url=url, action="Open check-in")


def test_card(*, company_name: str, url: str) -> dict[str, Any]:
    body = [
        _text("OKRHub is connected", size="Medium", weight="Bolder"),
        _text(f"Check-in reminders and the weekly digest of {company_name} will be posted to this channel."),
    ]
    return message(body=body, url=url, action="Open check-in")
