"""The alignment tree is cheap when nothing changed: ETags from the company revision, and cached bytes.

A reader's :class:`Reader` is read *before* any data: the company revision
(``companies/revision.py``), the reader's visibility class
(``objectives.selectors.visibility_class``, derived from the one visibility
rule) and the company's today (pace and expected progress move daily with no
write). The ETag of a representation hashes those with its parameters and a
representation version, so ``If-None-Match`` is answered 304 before
anything is built, and the built bytes are cached under the same tag, shared
by every reader of the same class (:data:`tree_bytes`).

Bump :data:`API_VERSION` / :data:`PAGE_VERSION` whenever a representation
changes shape; templates are fingerprinted automatically (:func:`page_version`).
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

from django.conf import settings

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from objectives.selectors import visibility_class
from okrhub.bytecache import ByteCache

API_VERSION = "tree-api-2"  # 2: final_score, cycle_id, children of other cycles; no pace once closed
PAGE_VERSION = "tree-page-3"  # 3: a department's branch of an annual tree holds its quarterly children

#: What a response cached by revision tells caches: this reader only, and ask again every time.
CACHE_CONTROL = "private, no-cache"

#: Built trees: a few companies' largest trees per process; an hour in the shared cache.
tree_bytes = ByteCache(prefix="alignment-tree", max_bytes=96 * 2**20, timeout=3600)


@cache
def page_version() -> str:
    """The page representation's version: :data:`PAGE_VERSION` and the bytes of the templates that draw it."""
    digest = hashlib.sha256(PAGE_VERSION.encode())
    for name in ("alignment/tree.html", "components/status_legend.html"):
        templates = cast(list[dict[str, Any]], settings.TEMPLATES)
        for directory in templates[0]["DIRS"]:
            path = Path(directory) / name
            if path.exists():
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Reader:
    """What decides a reader's view of the company's tree, besides the request's parameters."""

    company_id: int
    revision: int | None
    visibility: str
    today: date

    def etag(self, *parts: object) -> str | None:
        """The ETag of a representation with these parameters; None when the revision is unknown (no caching)."""
        if self.revision is None:
            return None
        return revision.etag(self.company_id, self.revision, self.visibility, self.today.isoformat(), *parts)


def reader_of(company: Company, actor: Actor) -> Reader:
    """The reader's :class:`Reader`; the revision is read first, before any data it stands for."""
    current = revision.current(company.pk)
    return Reader(
        company_id=company.pk,
        revision=current,
        visibility=visibility_class(company=company, actor=actor),
        today=company.local_today(),
    )
