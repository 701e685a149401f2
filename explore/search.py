"""The text half of a search: the words someone typed, matched and ranked by the database.

:func:`engine` is the one place that chooses how, by the database in use:

- PostgreSQL: full-text search. Every word matches as a prefix (``lea``
  finds "leads"), all words must match, and results rank with ``ts_rank``
  over weighted words (a title ``A`` outranks a description ``B``).
  Objectives and key results read the ``search_vector`` column the database
  keeps for them (``explore/migrations/0001_search_vectors.py``); people and
  departments are few, and their vectors are built on the fly.
- Anything else (the embedded SQLite default): every word must appear,
  case-insensitively, in one of the same fields; the rank adds up the same
  weights for each word found in a field.

What reaches the database is never the typed text itself: :func:`words`
keeps runs of letters and digits only, so quotes, ``&|!:*`` and the like are
separators, never query syntax.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, Protocol

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable, RawSQL

#: The text-search configuration of every vector and query: no stemming and no stop words (titles mix
#: languages; prefix matching covers plurals). The migration builds the stored vectors with it too.
CONFIG = "simple"

#: What ``ts_rank`` gives a match in a field of each weight (PostgreSQL's defaults); the portable rank adds them up.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}

#: A word: letters and digits (of any script), nothing else.
WORD = re.compile(r"[^\W_]+")


def words(text: str) -> tuple[str, ...]:
    """The words of what was typed, lowercased, each once, in order."""
    found = WORD.findall(unicodedata.normalize("NFC", text).lower())
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Field:
    """A searched field of a kind: its ORM path from the listed model, its weight, and (on PostgreSQL,
    for kinds without a stored vector) the text the vector is built from when it is not the field itself."""

    path: str
    weight: str
    text: Combinable | None = None


#: The searched fields of each kind, from the model each kind is listed from (explore.selectors).
FIELDS: dict[str, tuple[Field, ...]] = {
    "objective": (Field("title", "A"), Field("description", "B")),
    "key_result": (Field("title", "A"),),
    # An address reads as words ("ana", "example", "com"), so a person is found by any part of it.
    "person": (
        Field("user__full_name", "A"),
        Field("user__email", "B", Func(F("user__email"), Value("@.+-_"), Value("     "), function="translate")),
    ),
    "department": (Field("name", "A"),),
}

#: Kinds whose vector the database stores (with its weights), by the table that holds it.
STORED_VECTORS = {"objective": "objectives_objective", "key_result": "objectives_keyresult"}


def _sum(expressions: Iterable[Any]) -> Any:
    """``a + b + …`` of query expressions (vectors concatenate, numbers add)."""
    return reduce(lambda left, right: left + right, expressions)


class Engine(Protocol):
    def match(self, queryset: QuerySet[Any], *, kind: str, words: Sequence[str]) -> QuerySet[Any]:
        """``queryset`` narrowed to rows matching every word, annotated with a ``rank`` (higher is better)."""
        ...


class PostgreSQLSearch:
    """Full-text search with prefix matching and ``ts_rank``."""

    @staticmethod
    def query(words: Sequence[str]) -> SearchQuery:
        """Every word, as itself or as the start of a longer word: ``('lea' | 'lea':*) & …``.

        The prefix alone would match the same rows; the word itself is there
        for the planner and the rank. PostgreSQL estimates a prefix with a
        fixed guess, so a word found in every row (40,000 key results) was
        planned as a few, with a nested loop per row; the whole word it
        estimates from its statistics. And a whole-word match ("lead") ranks
        above a longer word that starts with it ("leadership").
        Words hold letters and digits only (see :func:`words`): nothing in
        them is tsquery syntax.
        """
        terms = " & ".join(f"('{word}' | '{word}':*)" for word in words)
        return SearchQuery(terms, search_type="raw", config=CONFIG)

    @staticmethod
    def vector(kind: str) -> Combinable:
        table = STORED_VECTORS.get(kind)
        if table is not None:
            # A fixed table and column (STORED_VECTORS), no input: the column is no model field to name with F().
            return RawSQL(f'"{table}"."search_vector"', (), output_field=SearchVectorField())  # noqa: S611
        return _sum(
            SearchVector(field.text if field.text is not None else F(field.path), weight=field.weight, config=CONFIG)
            for field in FIELDS[kind]
        )

    def match(self, queryset: QuerySet[Any], *, kind: str, words: Sequence[str]) -> QuerySet[Any]:
        query = self.query(words)
        vector = self.vector(kind)
        return (
            queryset.alias(search_vector_=vector).filter(search_vector_=query).annotate(rank=SearchRank(vector, query))
        )


class PortableSearch:
    """Case-insensitive substring matching of every word, for databases without full-text search."""

    def match(self, queryset: QuerySet[Any], *, kind: str, words: Sequence[str]) -> QuerySet[Any]:
        fields = FIELDS[kind]

        def found(word: str, field: Field) -> Q:
            return Q(**{f"{field.path}__icontains": word})

        every_word = reduce(and_, (reduce(or_, (found(word, field) for field in fields)) for word in words))
        rank = _sum(
            Case(When(found(word, field), then=Value(WEIGHTS[field.weight])), default=Value(0.0))
            for word in words
            for field in fields
        )
        return queryset.filter(every_word).annotate(rank=ExpressionWrapper(rank, output_field=FloatField()))


POSTGRESQL = PostgreSQLSearch()
PORTABLE = PortableSearch()


def engine() -> Engine:
    """The search engine of the database in use: the one place the choice is made."""
    return POSTGRESQL if connection.vendor == "postgresql" else PORTABLE
