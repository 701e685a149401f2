"""Block Kit and Adaptive Card payloads stay within the published shapes and limits, however long the week."""

import datetime
from types import SimpleNamespace

from chat import blocks, cards
from companies.models import Company
from tests.chat.schemas import MESSAGE, MODAL, TEAMS_MESSAGE, check


def _digest(n: int) -> dict:
    company = Company(name="Acme & <Sons>", slug="acme", timezone="Europe/Berlin")
    now = datetime.datetime(2026, 11, 16, 9, tzinfo=datetime.UTC)
    long = "x" * 400
    return {
        "company": company,
        "since": now - datetime.timedelta(days=7),
        "until": now,
        "moved": [
            {"title": f"{long} {i}", "objective": long, "before": "1%", "after": "2%", "delta": 0.01} for i in range(n)
        ],
        "at_risk": [{"title": long, "objective": long, "progress": "5%", "flags": "Behind pace"} for _ in range(n)],
        "unaligned": [{"title": long, "department": "Sales"} for _ in range(n)],
        "unsupported": [],
        "departments_without_objectives": ["Legal"],
        "missed_by_department": [("Sales", [{"title": long, "objective": long, "owner": "Ann"}] * n)],
        "missed_count": n,
    }


def test_a_huge_digest_fits_slack_and_teams():
    message = blocks.digest_message(digest=_digest(200), person="Ann", url="https://okr.example.com/c/acme/")
    check(message, MESSAGE)
    assert "…and" in str(message)  # the overflow is counted, not dropped silently
    assert message["text"] == "Acme &amp; &lt;Sons&gt;: your OKR week"
    missed = message["blocks"][5]["text"]["text"]
    assert missed.startswith("*Missed check-ins (200)*\n• Sales: ")  # a long line is cut, not dropped


def test_titles_cannot_inject_slack_markup():
    digest = _digest(1)
    digest["moved"][0]["title"] = "<!channel> & <https://evil.example|click>"
    text = str(blocks.digest_message(digest=digest, person="<@U1>", url="https://okr.example.com/"))
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "<@U1>" not in text
    check(cards.digest_card(digest=_digest(200), url="https://okr.example.com/c/acme/check-in/"), TEAMS_MESSAGE)
    check(cards.digest_card(digest=_digest(0) | {"missed_by_department": []}, url="https://x.example/"), TEAMS_MESSAGE)


def test_a_reminder_with_many_key_results_fits():
    krs = [{"title": "t" * 500, "progress_label": "10%", "objective__title": "o" * 500} for _ in range(100)]
    message = blocks.reminder_message(
        company_name="A" * 300,
        person="Ann",
        key_results=krs,
        url="https://okr.example.com/c/a/check-in/",
        since="Monday",
    )
    check(message, MESSAGE)


def test_the_modal_holds_at_most_twenty_key_results_and_says_how_many_more():
    def kr(i):
        return SimpleNamespace(
            pk=i,
            title=f"KR {i}",
            kind="number",
            direction="increase",
            unit="",
            currency="",
            current_value=None,
            target_value=10,
            progress=None,
            confidence="",
            can_check_in=True,
        )

    objectives = [
        SimpleNamespace(title=f"Objective {o}", my_key_results=[kr(o * 10 + i) for i in range(10)]) for o in range(3)
    ]
    view = blocks.checkin_modal(company_name="Acme", objectives=objectives)
    check(view, MODAL)
    assert sum(1 for b in view["blocks"] if b.get("block_id", "").endswith("-value")) == blocks.MODAL_MAX_KEY_RESULTS
    assert view["blocks"][-1]["type"] == "context"
    assert "10 more" in view["blocks"][-1]["elements"][0]["text"]
    empty = blocks.checkin_modal(company_name="Acme", objectives=[])
    check(empty, MODAL)
    assert "submit" not in empty
