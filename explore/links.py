"""Where each result leads: its own page (a person's leads to what they own)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse


class ResultLinks:
    """Result URLs for one company, from one ``reverse()`` per kind rather than one per row."""

    do_not_call_in_templates = True  # templates hand it on to the row tag, which calls it per row

    def __init__(self, company_slug: str) -> None:
        def prefix(name: str, placeholder: Any) -> str:
            url = reverse(name, args=[company_slug, placeholder])
            return url[: url.rindex(str(placeholder))]

        self.objective = prefix("objectives:objective", 0)
        self.key_result = prefix("objectives:key_result", 0)
        self.department = prefix("departments:department", "placeholder")
        self.search = reverse("explore:search", args=[company_slug])

    def __call__(self, row: Mapping[str, Any]) -> str:
        kind = row["kind"]
        if kind == "objective":
            return f"{self.objective}{row['id']}/"
        if kind == "key_result":
            return f"{self.key_result}{row['id']}/"
        if kind == "department":
            return f"{self.department}{row['slug']}/"
        return f"{self.search}?{urlencode({'kind': 'objective', 'owner': row['id']})}"
