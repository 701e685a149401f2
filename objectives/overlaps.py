"""Overlaps across departments: objectives and key results that likely chase the same result.

The one home of the matching rules (README "Overlaps"). Every surface (the gaps
report, the objective page, the planning board, the typing hint, the API) calls
:func:`overlaps_for_reader` or :func:`hint_matches`; none scores on its own.

Matching, for two items (objective or key result) of *different* departments
(company-level objectives are not compared: everything ladders to them):

- **Key terms.** A title is lower-cased, split into words, numbers and stop
  words (English function words and the verbs every OKR starts with: grow,
  increase, reduce, launch…) are dropped, plurals are folded ("leads" →
  "lead"), and a short list of *synonyms of the same measure* maps words to
  one term: a region to its countries ("DACH" → Germany, Austria,
  Switzerland), adjectives of countries to the country, and words naming the
  same stage of one funnel or the same figure ("lead", "pipeline",
  "prospect", "MQL" → demand; "revenue", "bookings", "ARR" → revenue; "churn",
  "retention", "renewal" → retention; …). Only groups where two departments
  name *one* number with different words are listed: a group is never
  widened to merely related ideas. Terms are weighted by rarity in the
  cycle (inverse document frequency), so "customer" counts less than
  "Germany". The term score is the weighted Dice coefficient of the two sets.
- **Wording.** Trigram similarity of the two titles as PostgreSQL's
  ``pg_trgm`` defines it (words padded with two spaces before and one after,
  Jaccard of the trigram sets), computed in Python so SQLite and PostgreSQL
  give the same score and the whole cycle needs one read, not N² SQL.
- **Measure.** Two key results of the same kind with the same currency (or
  unit) and the same direction add to the score; opposite directions on the
  same unit take away (one team raising what another lowers is a conflict to
  discuss, not the same result).
- **Owner.** The same person owning both sides is a reason, and adds a little.

score = 0.55 * term score + 0.35 * wording + measure + owner, clipped to
[0, 1]; a pair needs at least one shared key term and a score of at least
:data:`DEFAULT_THRESHOLD`. Pairs already linked (a dependency either way, a key
result of one side's objective shared into the other's, or one laddering under
the other) are not overlaps, and dismissed pairs are left out for everyone in
the company.

Speed: the cycle's items are read as plain rows (only the columns used, three
queries) into named tuples; candidates come from an inverted index on key
terms, probing only each item's rarest terms (very common terms cannot make a
pair on their own), so the work grows with the number of items, not its
square. What depends on a title (key terms, trigrams as one bit set) is
worked out once per process; what depends on a distinct term set (weight,
keys, probes, a group's candidates) once per set, on numpy arrays
(:meth:`Corpus.candidate_pairs`); what depends on a pair of term sets (the
shared terms, their weight and name) once per such pair. The candidate pairs
are scored together (:meth:`Corpus.score_many`): shared trigrams by C
functions mapped over the pairs, the arithmetic on numpy arrays, with the
same operations in the same order as the rules state, so a score is the
float one pair scored alone gives; the result is ordered by one sort on
arrays. The garbage collector is paused from the read to the result, whose
objects then go straight to its oldest generation (the index by objective,
which only the objective page needs, is made on first use).
The computed pairs and the index are kept per process under the company
revision (``companies/revision.py``): unchanged, a reader pays for the
revision read, the dismissals and the privacy filter (the one row rule,
:func:`objectives.selectors.reads_objective`, decided once per private
objective; only the pairs with a private side or a dismissed one are looked at).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import operator
import re
import sys
import threading
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter
from typing import NamedTuple, cast

import numpy as np
from django.db.models import Value

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from objectives.models import (
    Cycle,
    Dependency,
    KeyResult,
    Objective,
    ObjectiveStatus,
    OverlapDismissal,
    SharedKeyResult,
)
from objectives.selectors import reads_objective
from okrhub.permissions import Action

#: A pair is reported from this score up (tuned on tests/objectives/test_overlap_labels.py).
DEFAULT_THRESHOLD = 0.42
#: Blocking (:class:`Corpus`): an item's rarest terms that make keys, the keys it is indexed under,
#: and how many items may hold a key before it is too common to make candidates.
KEY_TERMS = 4
COMMON_KEY = 30
#: Each item scores at most this many candidates (those sharing the most keys with it): bounded work per item.
CANDIDATES_PER_ITEM = 4

TERM_WEIGHT = 0.55
WORDING_WEIGHT = 0.35
SAME_MEASURE_BONUS = 0.12
OPPOSITE_DIRECTION_PENALTY = 0.15
SAME_OWNER_BONUS = 0.05

STOP_WORDS = frozenset(
    """
    a about above across after again against all also am an and any are as at be been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our ours out over own per same she should so some such than that the their theirs them then there these they
    this those through to too under until up upon very via was we were what when where which while who whom why will
    with within without would you your yours achieve add bring boost build continue cut decrease deliver double
    drive ensure establish expand get grow halve hit improve increase keep land lift lower maintain make more move
    raise reach reduce ship start take triple new target targeted top key main total overall least less better best
    higher lower high low first next full q1 q2 q3 q4 h1 h2 fy quarter quarterly year yearly annual month monthly
    week weekly day daily end k m bn mn number rate level amount per cent percent pct one two three four five six
    seven eight nine ten twice twofold generate close win create run secure sign enable turn bring set give put open
    become objective goal okr kr metric result
    """.split()  # noqa: SIM905 (a word list reads best as text)
)

#: Words naming one measure or place, mapped to one term (see the module docstring for the rule).
SYNONYMS: dict[str, tuple[str, ...]] = {
    # places: a region stands for its countries; a country's adjective for the country
    "dach": ("germany", "austria", "switzerland"),
    "german": ("germany",),
    "deutschland": ("germany",),
    "austrian": ("austria",),
    "swiss": ("switzerland",),
    "french": ("france",),
    "benelux": ("belgium", "netherlands", "luxembourg"),
    "dutch": ("netherlands",),
    "nordics": ("sweden", "norway", "denmark", "finland"),
    "nordic": ("sweden", "norway", "denmark", "finland"),
    "uk": ("britain",),
    "british": ("britain",),
    "spanish": ("spain",),
    "italian": ("italy",),
    "us": ("usa",),
    "american": ("usa",),
    # one funnel stage, named by marketing and by sales
    "lead": ("leads/pipeline",),
    "pipeline": ("leads/pipeline",),
    "prospect": ("leads/pipeline",),
    "mql": ("leads/pipeline",),
    "sql": ("leads/pipeline",),
    "opportunity": ("leads/pipeline",),
    "oppty": ("leads/pipeline",),
    # one figure of money coming in
    "revenue": ("revenue",),
    "booking": ("revenue",),
    "arr": ("revenue",),
    "mrr": ("revenue",),
    "sales": ("revenue",),
    # customers staying
    "churn": ("retention",),
    "retention": ("retention",),
    "renewal": ("retention",),
    "retain": ("retention",),
    # customers and their satisfaction
    "client": ("customer",),
    "account": ("customer",),
    "nps": ("satisfaction",),
    "csat": ("satisfaction",),
    "satisfaction": ("satisfaction",),
    "enps": ("satisfaction", "employee"),
    # people: who a measure is about (see AUDIENCES)
    "staff": ("employee",),
    "customer": ("customer",),
    "employee": ("employee",),
    # people joining the company
    "hire": ("hiring",),
    "hiring": ("hiring",),
    "recruit": ("hiring",),
    "recruiting": ("hiring",),
    "headcount": ("hiring",),
    # people signing up for the product
    "signup": ("signup",),
    "registration": ("signup",),
    "trial": ("signup",),
    # the product being up
    "uptime": ("availability",),
    "availability": ("availability",),
    "downtime": ("availability",),
    "outage": ("availability",),
    # time to answer a customer
    "ticket": ("support",),
    "support": ("support",),
}

#: Whom a measure is about. Two items naming different audiences and no shared one are different results
#: ("customer churn" is not "employee churn"), however alike their words.
AUDIENCES = frozenset({"customer", "employee", "partner", "candidate", "supplier", "investor"})
_NO_AUDIENCE: frozenset[str] = frozenset()
AUDIENCE_PENALTY = 0.2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP"}


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()  # NFKD leaves ASCII as it is: the common case skips the round trip
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _singular(word: str) -> str:
    if len(word) > 7 and word.endswith("ing"):
        return word[:-3]  # onboarding -> onboard, recruiting -> recruit (only long words: "ring", "king" stay)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


#: Per word (folded): its key terms and its trigrams. Titles are many, words few: each word is worked out once.
_WORD_CACHE_SIZE = 200_000
_WORD_TERMS: dict[str, tuple[str, ...]] = {}
_WORD_GRAMS: dict[str, frozenset[str]] = {}


def _word_terms(raw: str) -> tuple[str, ...]:
    """The key terms one word of a folded title stands for (none for a stop word or a number)."""
    terms = _WORD_TERMS.get(raw)
    if terms is None:
        if raw in STOP_WORDS or any(ch.isdigit() for ch in raw) or len(raw) < 2:
            terms = ()
        else:
            word = _singular(raw)
            terms = () if word in STOP_WORDS else SYNONYMS.get(word, (word,))
        if len(_WORD_TERMS) < _WORD_CACHE_SIZE:
            _WORD_TERMS[raw] = terms
    return terms


def key_terms(title: str) -> frozenset[str]:
    """The key terms of a title: stop words and numbers out, plurals folded, synonyms of one measure merged."""
    return key_terms_of([title])[0]


def key_terms_of(titles: list[str]) -> list[frozenset[str]]:
    """:func:`key_terms` of each title; the titles not met before are worked out together (:func:`_per_title`)."""
    return _per_title(titles, _TITLE_TERMS, _terms_of_titles)


def _terms_of_titles(texts: list[str]) -> list[frozenset[str]]:
    words = _words_of(texts, folded=True)
    known = {word: _word_terms(word) for word in set(chain.from_iterable(words))}
    # through a set, in word order: the same set (and the same iteration order) as ever
    return list(map(frozenset, map(set, map(chain.from_iterable, map(map, repeat(known.__getitem__), words)))))


def _words_of(texts: list[str], *, folded: bool) -> list[list[str]]:
    """The words of each text, lower-cased (and accents folded if ``folded``): ``_WORD.findall`` of each.

    ASCII texts (nearly all) are done in one go: joined by line breaks, lower-cased, every other
    character that is not a letter or a digit made a space, and split. In ASCII, that finds
    exactly the words ``_WORD`` finds, three times as fast as a pattern run on each text.
    """
    joined = "\n".join(texts)
    if joined.isascii():
        lines = joined.lower().translate(_ASCII_GAPS).split("\n")
        if len(lines) == len(texts):  # no text held a line break of its own
            return list(map(str.split, lines))
    return [_WORD.findall(_fold(text) if folded else text.lower()) for text in texts]


#: ASCII characters that are neither letters nor digits (but the line break) as spaces.
_ASCII_GAPS = str.maketrans(dict.fromkeys((chr(n) for n in range(128) if not chr(n).isalnum() and chr(n) != "\n"), " "))


def _per_title[T](titles: list[str], cache: dict[str, T], work: Callable[[list[str]], list[T]]) -> list[T]:
    """What ``work`` makes of each title, each title worked out once per process (until the cache is full)."""
    found = list(map(cache.get, titles))
    if None not in found:
        return cast("list[T]", found)
    missing = [number for number, value in enumerate(found) if value is None]
    fresh = list(dict.fromkeys(map(titles.__getitem__, missing)))
    made = dict(zip(fresh, work(fresh), strict=True))
    if len(cache) + len(made) > _TITLE_CACHE_SIZE:
        cache.clear()  # titles change over time: start again rather than keep the oldest for ever
    cache.update(made)
    for number in missing:
        found[number] = made[titles[number]]
    return cast("list[T]", found)


#: Per title: its key terms and its trigram bit set. A cycle at scale has some fifty thousand titles.
_TITLE_CACHE_SIZE = 200_000
_TITLE_TERMS: dict[str, frozenset[str]] = {}
_TITLE_MASKS: dict[str, tuple[int, int]] = {}


def _word_grams(word: str) -> frozenset[str]:
    grams = _WORD_GRAMS.get(word)
    if grams is None:
        padded = f"  {word} "
        # interned: the same trigram of two words is one object, so set intersections compare by identity
        grams = frozenset(sys.intern(padded[i : i + 3]) for i in range(len(padded) - 2))
        if len(_WORD_GRAMS) < _WORD_CACHE_SIZE:
            _WORD_GRAMS[word] = grams
    return grams


@functools.lru_cache(maxsize=100_000)
def trigrams(text: str) -> frozenset[str]:
    """The trigram set PostgreSQL's pg_trgm builds: each word padded with two spaces before and one after."""
    words = _WORD.findall(text.lower())
    if len(words) == 1:
        return _word_grams(words[0])
    return frozenset().union(*[_word_grams(word) for word in words])


#: Each trigram met so far and its bit: a title's trigrams as one int, so a pair's shared trigrams are one AND
#: and a bit count (exactly the sizes the sets give). Grows with the vocabulary, not with the titles.
_GRAM_BITS: dict[str, int] = {}
_WORD_MASKS: dict[str, int] = {}
_GRAM_LOCK = threading.Lock()


def _word_mask(word: str) -> int:
    mask = _WORD_MASKS.get(word)
    if mask is None:
        with _GRAM_LOCK:  # two words met at once must not get one bit for two trigrams
            mask = 0
            for gram in _word_grams(word):
                bit = _GRAM_BITS.get(gram)
                if bit is None:
                    bit = _GRAM_BITS[gram] = len(_GRAM_BITS)
                mask |= 1 << bit
            if len(_WORD_MASKS) < _WORD_CACHE_SIZE:
                _WORD_MASKS[word] = mask
    return mask


def trigram_mask(text: str) -> tuple[int, int]:
    """:func:`trigrams` of a title as a bit set and its size: ``len(a & b)`` is ``(a_mask & b_mask).bit_count()``."""
    return trigram_masks([text])[0]


def trigram_masks(titles: list[str]) -> list[tuple[int, int]]:
    """:func:`trigram_mask` of each title; the titles not met before are worked out together."""
    return _per_title(titles, _TITLE_MASKS, _masks_of_titles)


def _masks_of_titles(texts: list[str]) -> list[tuple[int, int]]:
    words = _words_of(texts, folded=False)
    known = {word: _word_mask(word) for word in set(chain.from_iterable(words))}
    masks = list(map(functools.reduce, repeat(operator.or_), map(map, repeat(known.__getitem__), words), repeat(0)))
    return list(zip(masks, map(int.bit_count, masks), strict=True))


def text_currency(title: str) -> str:
    """A currency named in a title by its sign ("€5M"), or ""."""
    for sign, code in _CURRENCY_SIGNS.items():
        if sign in title:
            return code
    return ""


class Item(NamedTuple):
    """One objective or key result as the finder sees it (plain facts, shared by every reader).

    A named tuple: a cycle has some fifty thousand, made in one go and only read after, and a
    tuple is made several times faster than a frozen dataclass (which sets each field in turn).
    """

    kind: str  # "objective" or "key_result"
    id: int
    objective_id: int
    cycle_id: int
    department_id: int
    department_name: str
    title: str
    owner_id: int | None
    # the objective's facts decide who may read it (and its key results)
    private: bool
    objective_owner_id: int | None
    measure_kind: str = ""
    currency: str = ""
    unit: str = ""
    direction: str = ""

    @property
    def key(self) -> str:
        return f"{'o' if self.kind == 'objective' else 'k'}{self.id}"

    def readable_by(self, actor: Actor) -> bool:
        return reads_objective(
            actor, private=self.private, department_id=self.department_id, owner_id=self.objective_owner_id
        )


class Overlap(NamedTuple):
    """One pair (a named tuple: a cycle has tens of thousands, made in one go and only read after)."""

    first: Item
    second: Item
    score: float
    reasons: tuple[str, ...]
    shared_terms: tuple[str, ...]
    #: The pair's one name (:func:`pair_key`), whichever side comes first.
    key: str

    @classmethod
    def of(
        cls, first: Item, second: Item, score: float, reasons: tuple[str, ...], shared_terms: tuple[str, ...]
    ) -> Overlap:
        return cls(first, second, score, reasons, shared_terms, pair_key(first.key, second.key))

    def other(self, objective_id: int) -> Item:
        """The side that is not (under) ``objective_id``."""
        return self.second if self.first.objective_id == objective_id else self.first


def pair_key(left: str, right: str) -> str:
    """One name for a pair, whichever side comes first: "k12|o7"."""
    return "|".join(sorted((left, right)))


class Corpus:
    """Key terms, their rarity and a blocking index over a set of items; scores pairs.

    Blocking keys are an item's rarest key terms and the pairs of them ("france&leads/pipeline"):
    a pair of terms is much rarer than either term, so items sharing two common words still meet,
    while a key held by more than :data:`COMMON_KEY` items (a generic measure every department
    has) makes no candidates on its own, so the work grows with the number of items.

    What depends only on a term set (its weight, keys and probes) is worked out once per distinct
    set (a department writes many titles over few terms), and on arrays: terms and keys are
    numbered, a set's keys are rows of numbers, and the index and the candidates are made by
    sorting those rows (:meth:`candidate_pairs`), not by a Python step per item.
    """

    def __init__(self, items: Iterable[Item]) -> None:
        self.items: list[Item] = list(items)
        size = len(self.items)
        self.terms: list[frozenset[str]] = key_terms_of(list(map(_TITLE, self.items)))
        self.size = max(size, 1)
        self._sides: list[Side | None] = [None] * size
        self._named: dict[frozenset[str], Named] = {}
        self._named_reasons: list[tuple[str]] = []  # by Named's number
        # The distinct term sets, numbered in the order met; each item's set number; each set's items, in order:
        # _items_by_set[_set_start[s]:][:_set_size[s]].
        self._set_of, sets = _numbered(self.terms)
        self._items_by_set, self._set_size, self._set_start = _grouped(self._set_of, len(sets))
        # Terms numbered in name order; each set's terms as numbers (entries); how many items name each term.
        names = self._term_names = sorted(set(chain.from_iterable(sets)))
        number_of = dict(zip(names, range(len(names)), strict=True))
        lengths = np.fromiter(map(len, sets), np.int64, len(sets))
        entry_set = np.repeat(np.arange(len(sets)), lengths)
        entry_term = np.fromiter(map(number_of.__getitem__, chain.from_iterable(sets)), np.int64, len(entry_set))
        held = np.bincount(entry_term, weights=self._set_size[entry_set], minlength=len(names)).astype(np.int64)
        self.df: dict[str, int] = dict(zip(names, held.tolist(), strict=True))
        self._idf: dict[str, float] = {t: self._idf_of(n) for t, n in self.df.items()}
        # Each term's place from rarest to most common (ties by name).
        rarity = _place_of(np.lexsort((np.arange(len(names)), held)))
        self._rarity: dict[str, int] = dict(zip(names, rarity.tolist(), strict=True))
        idf = self._idf.__getitem__
        set_weights = [sum(map(idf, terms)) for terms in sets]  # Python's sum, as every weight is summed
        self.weights: list[float] = list(map(set_weights.__getitem__, self._set_of.tolist()))
        self._blocking(lengths, entry_set, entry_term, rarity)

    def _blocking(self, lengths: np.ndarray, entry_set: np.ndarray, entry_term: np.ndarray, rarity: np.ndarray) -> None:
        """Each set's keys (:meth:`keys_of`, as numbers), how many items hold each key, and the probes' index.

        ``lengths``: each set's size; ``entry_set`` and ``entry_term``: its terms by number, set by set;
        ``rarity``: each term's place from rarest.
        """
        names = self._term_names
        width = len(names)
        sets = len(lengths)
        # Each set's KEY_TERMS rarest terms, then in name order (term numbers are in name order), one row per set.
        order = np.lexsort((rarity[entry_term], entry_set))
        entry_set, entry_term = entry_set[order], entry_term[order]
        rarest = _places(lengths) < KEY_TERMS
        entry_set, entry_term = entry_set[rarest], entry_term[rarest]
        order = np.lexsort((entry_term, entry_set))
        entry_set, entry_term = entry_set[order], entry_term[order]
        rows = np.full((sets, KEY_TERMS), -1, dtype=np.int64)
        rows[entry_set, _places(np.minimum(lengths, KEY_TERMS))] = entry_term
        # Keys as numbers: a term is its number; a pair of terms (in name order) comes after every term.
        key_sets, key_codes = [entry_set], [entry_term]
        for first, second in ((i, j) for i in range(KEY_TERMS) for j in range(i + 1, KEY_TERMS)):
            holding = np.flatnonzero(rows[:, second] >= 0)
            key_sets.append(holding)
            key_codes.append(width + rows[holding, first] * width + rows[holding, second])
        entry_set = np.concatenate(key_sets)
        codes, entry_key = np.unique(np.concatenate(key_codes), return_inverse=True)
        # How many items hold each key: each set counts once per item of it.
        self._key_df = np.bincount(entry_key, weights=self._set_size[entry_set], minlength=len(codes)).astype(np.int64)
        firsts, seconds = np.divmod(codes - width, width)
        self._key_names: list[str] = [
            names[code] if code < width else f"{names[first]}&{names[second]}"
            for code, first, second in zip(codes.tolist(), firsts.tolist(), seconds.tolist(), strict=True)
        ]
        self._key_numbers: dict[str, int] | None = None
        self._key_entries = (entry_key, entry_set)
        by_name = _places_in_order(self._key_names)
        # Probes: a set's keys that are not common and that another item holds, rarest first (ties by name).
        key_df = self._key_df[entry_key]
        rare = (key_df > 1) & (key_df <= COMMON_KEY)
        probe_set, probe_key = entry_set[rare], entry_key[rare]
        order = np.lexsort((by_name[probe_key], key_df[rare], probe_set))
        self._probe_key = probe_key[order]
        self._probe_count = np.bincount(probe_set, minlength=sets)
        self._probe_start = _starts(self._probe_count)
        # The index: each probe key's items, in order.
        probe_set = probe_set[order]
        holders = self._items_of_sets(probe_set)
        order = np.lexsort((holders, np.repeat(self._probe_key, self._set_size[probe_set])))
        self._index = holders[order]
        self._index_count = np.bincount(self._probe_key, weights=self._set_size[probe_set], minlength=len(codes))
        self._index_count = self._index_count.astype(np.int64)
        self._index_start = _starts(self._index_count)

    def set_numbers(self, positions: np.ndarray) -> np.ndarray:
        """The term set numbers of the items at ``positions`` (equal sets, one number)."""
        return self._set_of[positions]

    def _items_of_sets(self, sets: np.ndarray) -> np.ndarray:
        """The items of each set given, one set after another."""
        return self._items_by_set[_ranges(self._set_start[sets], self._set_size[sets])]

    def candidate_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each item with the items of other departments sharing the most probe keys with it (at most
        :data:`CANDIDATES_PER_ITEM`; ties in the order met: by probe, then by position), as two arrays.

        Items of one set and one department have the same candidates: worked out once per such group.
        """
        size = len(self.items)
        if not size:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        departments, department_of = np.unique(
            np.fromiter(map(_DEPARTMENT_ID, self.items), np.int64, size), return_inverse=True
        )
        groups, group_of = np.unique(self._set_of * len(departments) + department_of, return_inverse=True)
        group_set, group_department = np.divmod(groups, len(departments))
        # Each group's probes, then each probe's items: the group's candidates as met, with repeats.
        probes = self._probe_count[group_set]
        met_group = np.repeat(np.arange(len(groups)), probes)
        met_key = self._probe_key[_ranges(self._probe_start[group_set], probes)]
        held = self._index_count[met_key]
        met_group = np.repeat(met_group, held)
        met = self._index[_ranges(self._index_start[met_key], held)]
        elsewhere = department_of[met] != group_department[met_group]
        met_group, met = met_group[elsewhere], met[elsewhere]
        # Per group, each candidate once with how often it was met and where first; the most met first.
        found, first, times = np.unique(met_group * size + met, return_index=True, return_counts=True)
        order = np.lexsort((first, -times, found // size))
        found = found[order]
        chosen_group, chosen = np.divmod(found, size)
        best = _places(np.bincount(chosen_group, minlength=len(groups))) < CANDIDATES_PER_ITEM
        chosen_group, chosen = chosen_group[best], chosen[best]
        # Each chosen candidate against every item of its group.
        by_group, members, starts = _grouped(group_of, len(groups))
        left = by_group[_ranges(starts[chosen_group], members[chosen_group])]
        return left, np.repeat(chosen, members[chosen_group])

    def keys_of(self, terms: frozenset[str]) -> list[str]:
        """Blocking keys of a term set by name: its rarest terms, and each pair of them (the typing hint)."""
        rarity = self._rarity
        try:
            ranked = sorted(terms, key=rarity.__getitem__)
        except KeyError:  # a title being typed may name a term no item has: rarer than any (ties by name)
            ranked = sorted(sorted(terms), key=lambda t: rarity.get(t, -1))
        rarest = sorted(ranked[:KEY_TERMS])
        return rarest + [f"{a}&{b}" for i, a in enumerate(rarest) for b in rarest[i + 1 :]]

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = self._idf_of(self.df.get(term, 0))
        return value

    def _idf_of(self, count: int) -> float:
        """A term's weight when ``count`` items of the corpus name it (inverse document frequency)."""
        return math.log(1 + self.size / (1 + count))

    def holders(self, key: str) -> list[int]:
        """Every item holding the key named ``key`` unless it is common (only the typing hint asks)."""
        if self._key_numbers is None:
            self._key_numbers = {name: number for number, name in enumerate(self._key_names)}
        number = self._key_numbers.get(key)
        if number is None or self._key_df[number] > COMMON_KEY:
            return []
        entry_key, entry_set = self._key_entries
        return sorted(self._items_of_sets(entry_set[entry_key == number]).tolist())

    def side(self, position: int) -> Side:
        """What scoring reads of one item (:meth:`sides`)."""
        return self.sides([position])[0]

    def sides(self, positions: list[int]) -> list[Side]:
        """What scoring reads of each item, each worked out once (on its first pair), together."""
        made = self._sides
        missing = [position for position in positions if made[position] is None]
        if missing:
            items = list(map(self.items.__getitem__, missing))
            terms = list(map(self.terms.__getitem__, missing))
            # most items name no audience: one shared empty set, not one each
            audiences = [named or _NO_AUDIENCE for named in map(operator.and_, terms, repeat(AUDIENCES))]
            fresh = zip(
                items,
                terms,
                trigram_masks(list(map(_TITLE, items))),
                map(self.weights.__getitem__, missing),
                map(_measure_of, items),
                audiences,
                strict=True,
            )
            for position, side in zip(missing, fresh, strict=True):
                made[position] = side
        return cast("list[Side]", list(map(made.__getitem__, positions)))

    def draft_side(self, item: Item) -> Side:
        """The side of a title not in the corpus (being typed)."""
        terms = key_terms(item.title)
        return (item, terms, trigram_mask(item.title), sum(map(self.idf, terms)), _measure_of(item), terms & AUDIENCES)

    def score_items(self, left: int, right: int) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        return self.score_sides(self.side(left), self.side(right))

    def score_sides(self, left: Side, right: Side) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        """One pair's score, reasons and shared key terms (:meth:`score_many` of one pair)."""
        scores, reasons, shared_terms = self.score_many([left, right], np.array([0]), np.array([1]))
        return float(scores[0]), reasons[0], shared_terms[0]

    def score_many(
        self, sides: list[Side], left: np.ndarray, right: np.ndarray, set_of: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[tuple[str, ...]], list[tuple[str, ...]]]:
        """Pairs of sides scored: the one place the rules of the module docstring are applied.

        ``sides`` are :meth:`side` (or :meth:`draft_side`) values; pair ``n`` is
        ``sides[left[n]]`` and ``sides[right[n]]``; ``set_of``, if given, numbers the sides' term sets
        (equal sets, one number: the corpus's own numbers). Returns each pair's score (an array), its
        reasons and its shared key terms (rarest first). A cycle scores a hundred thousand pairs
        over some thirty thousand sides: what a side has is read once per side; the sets (shared
        key terms, shared trigrams) are worked out by C functions mapped over the pairs; the
        arithmetic is done on arrays in the order the rules state, so each score is the float
        that scoring the pair by hand gives.
        """
        count = len(left)
        if not count:
            return np.zeros(0), [], []
        lefts, rights = left.tolist(), right.tolist()
        terms = list(map(_SIDE_TERMS, sides))
        # The shared key terms depend only on the two term sets: worked out once per distinct pair of sets (a
        # group's items share a set and its candidates), in the order met, each from the first pair met.
        if set_of is None:
            set_of = _numbered(terms)[0]
        _codes, first, combination_of = np.unique(
            set_of[left] * (int(set_of.max()) + 1) + set_of[right], return_index=True, return_inverse=True
        )
        in_order = np.argsort(first)
        combination_of = _place_of(in_order)[combination_of]  # each pair's combination, numbered in the order met
        met = first[in_order].tolist()
        shared = list(map(operator.and_, map(terms.__getitem__, left[met]), map(terms.__getitem__, right[met])))
        if not all(shared):
            sharing = np.fromiter(map(bool, shared), bool, len(shared))[combination_of]
            return self._score_sharing(sides, left, right, sharing, set_of)
        # What depends only on the shared set (its terms rarest first, the reason naming it, its weight): once.
        known = self._named
        for fresh in [met for met in dict.fromkeys(shared) if met not in known]:  # in the order met
            self._name(fresh)
        named = list(map(known.__getitem__, shared))  # per combination
        # What each side has, once per side.
        width = len(sides)
        items = list(map(_SIDE_ITEM, sides))
        weight = np.fromiter(map(_SIDE_WEIGHT, sides), np.float64, width)
        grams = list(map(_SIDE_GRAMS, sides))
        masks = list(map(_MASK, grams))
        gram_count = np.fromiter(map(_SIZE, grams), np.int64, width)
        measure, measures = _numbered(list(map(_SIDE_MEASURE, sides)))
        if None in measures:
            measure[measure == measures.index(None)] = -1  # no measure: the same as no other
        up = np.fromiter(map(_UP.__contains__, map(_DIRECTION, items)), bool, width)
        directed = np.fromiter(map(bool, map(_DIRECTION, items)), bool, width)
        key_result = np.fromiter(map(_KEY_RESULT.__eq__, map(_KIND, items)), bool, width)
        owner = np.fromiter(map(_owner_number, items), np.int64, width)
        audiences = list(map(_SIDE_AUDIENCE, sides))
        # Key terms: the weighted Dice coefficient, 2 * shared weight / both weights.
        shared_weight = np.fromiter(map(_NAMED_WEIGHT, named), np.float64, len(named))[combination_of]
        term_score = 2 * shared_weight / (weight[left] + weight[right])
        # Wording: pg_trgm's similarity on bit sets (the shared trigrams are one AND and a bit count); 0 without any.
        common_bits = map(
            int.bit_count, map(operator.and_, map(masks.__getitem__, lefts), map(masks.__getitem__, rights))
        )
        common = np.fromiter(common_bits, np.int64, count)
        left_size, right_size = gram_count[left], gram_count[right]
        both_worded = (left_size > 0) & (right_size > 0)
        wording = np.where(both_worded, common / np.maximum(left_size + right_size - common, 1), 0.0)
        scores = TERM_WEIGHT * term_score + WORDING_WEIGHT * wording
        # Audiences: both name some, and none is shared.
        named_audience = np.fromiter(map(bool, audiences), bool, width)
        apart = np.zeros(count, dtype=bool)
        for number in np.flatnonzero(named_audience[left] & named_audience[right]).tolist():
            apart[number] = not audiences[lefts[number]] & audiences[rights[number]]
        scores[apart] -= AUDIENCE_PENALTY
        # Measures: the same measure in the same direction adds; in opposite directions it takes away.
        one_measure = (measure[left] == measure[right]) & (measure[left] >= 0)
        both_directed = directed[left] & directed[right]
        # without a direction (an objective naming the currency of a key result): the same if the kinds differ
        same_measure = one_measure & np.where(
            both_directed, up[left] == up[right], key_result[left] != key_result[right]
        )
        opposite = one_measure & both_directed & (up[left] != up[right])
        scores[same_measure] += SAME_MEASURE_BONUS
        scores[opposite] -= OPPOSITE_DIRECTION_PENALTY
        # Owner: the same person owns both.
        same_owner = (owner[left] == owner[right]) & (owner[left] >= 0)
        scores[same_owner] += SAME_OWNER_BONUS
        scores = np.where(scores > 0.0, np.where(scores >= 1.0, 1.0, scores), 0.0)  # clipped to [0, 1]
        return (
            scores,
            self._reasons(
                np.fromiter(map(_NAMED_NUMBER, named), np.int64, len(named))[combination_of],
                wording,
                same_measure,
                same_owner,
                sides,
                left,
            ),
            list(map(list(map(_NAMED_TERMS, named)).__getitem__, combination_of.tolist())),
        )

    def _reasons(
        self,
        named_of: np.ndarray,
        wording: np.ndarray,
        same_measure: np.ndarray,
        same_owner: np.ndarray,
        sides: list[Side],
        left: np.ndarray,
    ) -> list[tuple[str, ...]]:
        """Each pair's reasons: one tuple per distinct combination (a cycle has a few thousand), shared by its pairs."""
        count = len(named_of)
        wordings, wording_of = np.unique(np.where(wording >= 0.3, wording, -1.0), return_inverse=True)
        wording_reasons = [_wording_reason(value) if value >= 0.3 else "" for value in wordings.tolist()]
        measure_reasons: dict[str, int] = {"": 0}
        measure_of = np.zeros(count, dtype=np.int64)
        for number in np.flatnonzero(same_measure).tolist():
            side = sides[int(left[number])]
            reason = _measure_reason(side[4], _direction_label(side[0]))
            measure_of[number] = measure_reasons.setdefault(reason, len(measure_reasons))
        combined = ((named_of * len(wordings) + wording_of) * len(measure_reasons) + measure_of) * 2 + same_owner
        distinct, reason_of = np.unique(combined, return_inverse=True)
        rest, owners = np.divmod(distinct, 2)
        rest, measures = np.divmod(rest, len(measure_reasons))
        named_numbers, wording_numbers = np.divmod(rest, len(wordings))
        measure_texts = list(measure_reasons)
        combinations = []
        for named_number, wording_number, measure, owner in zip(
            named_numbers.tolist(), wording_numbers.tolist(), measures.tolist(), owners.tolist(), strict=True
        ):
            reasons: tuple[str, ...] = self._named_reasons[named_number]
            if wording_reasons[wording_number]:
                reasons += (wording_reasons[wording_number],)
            if measure:
                reasons += (measure_texts[measure],)
            if owner:
                reasons += ("same owner",)
            combinations.append(reasons)
        return list(map(combinations.__getitem__, reason_of.tolist()))

    def _score_sharing(
        self, sides: list[Side], left: np.ndarray, right: np.ndarray, sharing: np.ndarray, set_of: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[str, ...]], list[tuple[str, ...]]]:
        """:meth:`score_many` where some pairs share no key term: those score nothing, with no reason."""
        count = len(sharing)
        scores = np.zeros(count, dtype=np.float64)
        reasons: list[tuple[str, ...]] = [()] * count
        terms: list[tuple[str, ...]] = [()] * count
        if sharing.any():
            scored, why, named = self.score_many(sides, left[sharing], right[sharing], set_of)
            scores[sharing] = scored
            for number, reason, terms_of in zip(np.flatnonzero(sharing).tolist(), why, named, strict=True):
                reasons[number], terms[number] = reason, terms_of
        return scores, reasons, terms

    def _name(self, shared: frozenset[str]) -> Named:
        """A shared term set's terms rarest first, the reason naming them and its weight (kept per corpus)."""
        idf = self.idf
        ordered = tuple(sorted(shared, key=lambda t: (-idf(t), t))) if len(shared) > 1 else tuple(shared)
        reason = (f"shared key terms: {', '.join(ordered)}",)
        named = self._named[shared] = (ordered, reason, sum(map(idf, shared)), len(self._named))
        self._named_reasons.append(reason)
        return named


_SIDE_ITEM = itemgetter(0)
_SIDE_TERMS = itemgetter(1)
_SIDE_GRAMS = itemgetter(2)
_SIDE_WEIGHT = itemgetter(3)
_SIDE_MEASURE = itemgetter(4)
_SIDE_AUDIENCE = itemgetter(5)
_MASK = itemgetter(0)
_SIZE = itemgetter(1)
_NAMED_TERMS = itemgetter(0)
_NAMED_WEIGHT = itemgetter(2)
_NAMED_NUMBER = itemgetter(3)
_DIRECTION = attrgetter("direction")
_KEY_RESULT = "key_result"
_KIND = attrgetter("kind")


def _numbered[T](values: list[T]) -> tuple[np.ndarray, list[T]]:
    """Each value's number among the distinct values (numbered in the order met), and the distinct values."""
    distinct = list(dict.fromkeys(values))
    numbers = dict(zip(distinct, range(len(distinct)), strict=True))
    return np.fromiter(map(numbers.__getitem__, values), np.int64, len(values)), distinct


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``start, start + 1, …`` for each range given, one range after another (a chain of ranges, on arrays)."""
    return np.arange(int(lengths.sum())) + np.repeat(starts - _starts(lengths), lengths)


def _places(counts: np.ndarray) -> np.ndarray:
    """Each element's place in its group, for groups of these sizes one after another."""
    return np.arange(int(counts.sum())) - np.repeat(_starts(counts), counts)


def _starts(counts: np.ndarray) -> np.ndarray:
    """Where each group starts, for groups of these sizes one after another."""
    return np.cumsum(counts) - counts


def _grouped(labels: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For labels numbered from 0 to ``groups - 1``: the positions grouped by label (in order within each group),
    and each group's size and start in them."""
    sizes = np.bincount(labels, minlength=groups)
    return np.argsort(labels, kind="stable"), sizes, _starts(sizes)


def _place_of(order: np.ndarray) -> np.ndarray:
    """Each element's place in ``order``, a permutation (the positions of a sort)."""
    places = np.empty(len(order), dtype=np.int64)
    places[order] = np.arange(len(order))
    return places


def _owner_number(item: Item) -> int:
    return -1 if item.owner_id is None else item.owner_id


@functools.lru_cache(maxsize=1024)
def _wording_reason(wording: float) -> str:
    return f"similar wording ({wording:.0%})"  # a cycle's pairs have a few hundred distinct wording scores


@functools.lru_cache(maxsize=1024)
def _measure_reason(measure: tuple[str, str], direction: str) -> str:
    return f"same measure: {measure[1] or measure[0]}, {direction}"


#: A shared key term set as reasons name it: its terms rarest first, the reason (a 1-tuple, to add to), its
#: weight, and its number in the corpus (in order met).
Named = tuple[tuple[str, ...], tuple[str], float, int]

#: What scoring reads of one item: the item, its key terms, trigrams (:func:`trigram_mask`), term weight,
#: measure and audiences.
Side = tuple[Item, frozenset[str], tuple[int, int], float, "tuple[str, str] | None", frozenset[str]]


def _measure_of(item: Item) -> tuple[str, str] | None:
    if item.kind == "key_result":
        if item.measure_kind == "milestone":
            return None
        unit = item.currency or item.unit.strip().lower()
        return (item.measure_kind, unit) if unit or item.measure_kind == "percent" else None
    currency = text_currency(item.title)
    return ("currency", currency) if currency else None


_UP = frozenset({"increase", "at_least"})


def _direction_label(item: Item) -> str:
    return "up" if not item.direction or item.direction in _UP else "down"


def find_overlaps(
    items: list[Item],
    *,
    cycle_id: int | None = None,
    linked: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[Corpus, list[Overlap]]:
    """Every pair of items of different departments scoring at least ``threshold``, best first.

    ``cycle_id``: only pairs with at least one side in that cycle (the others come
    from enclosing cycles). ``linked``: objective id pairs that are already
    linked (dependencies, shared key results, laddering), in both orders.
    """
    with _collector_paused():
        corpus, found, _private = _find_overlaps(items, cycle_id=cycle_id, linked=linked, threshold=threshold)
    return corpus, found


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a cycle is computed.

    The finder allocates some hundred thousand small objects that live as long as the
    result and form no reference cycles; with the collector on, each generation-0 run
    scans the growing heap and a large cycle spends about a quarter of its time there.
    Nothing is leaked: reference counting frees everything as usual, and the collector
    runs again when it was on before (another thread that paused it too finds it paused
    and leaves it as it found it).
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What was made lives as long as the result: handed straight to the oldest generation (freeze, then
            # unfreeze), or the first allocation after the pause would scan all of it as young objects (0.1 to
            # 0.2 s at scale 1) and again on its way up. Garbage among it waits for the next full collection.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _find_overlaps(
    items: list[Item],
    *,
    cycle_id: int | None,
    linked: set[tuple[int, int]] | frozenset[tuple[int, int]],
    threshold: float,
) -> tuple[Corpus, list[Overlap], list[int]]:
    """:func:`find_overlaps`, and where the pairs with a private side are in the result."""
    corpus = Corpus(items)
    items = corpus.items
    size = len(items)
    left, right = corpus.candidate_pairs()
    if not len(left):
        return corpus, [], []
    # The candidate pairs as arrays: not two sides of one objective, at least one side in the cycle
    # (the others come from enclosing cycles), each pair once, and not two objectives already linked.
    objective_ids = np.fromiter(map(_OBJECTIVE_ID, items), np.int64, size)
    keep = objective_ids[left] != objective_ids[right]
    if cycle_id is not None:
        in_cycle = np.fromiter(map(cycle_id.__eq__, map(_CYCLE_ID, items)), bool, size)
        keep &= in_cycle[left] | in_cycle[right]
    left, right = left[keep], right[keep]
    low, high = np.divmod(np.unique(np.minimum(left, right) * size + np.maximum(left, right)), size)
    if linked:
        width = max(int(objective_ids.max()), max(map(max, linked))) + 1
        linked_codes = np.fromiter((a * width + b for a, b in linked), np.int64, len(linked))
        unlinked = ~np.isin(objective_ids[low] * width + objective_ids[high], linked_codes)
        low, high = low[unlinked], high[unlinked]
    # The sides met in a pair, once each; the pairs as indexes into them.
    positions = np.union1d(low, high)
    sides = corpus.sides(positions.tolist())
    low, high = np.searchsorted(positions, low), np.searchsorted(positions, high)
    scores, reasons, shared_terms = corpus.score_many(sides, low, high, corpus.set_numbers(positions))
    accepted = np.flatnonzero(scores >= threshold)
    low, high = low[accepted], high[accepted]
    score_of = rounded(scores[accepted])
    # Each pair's sides in the order of their keys, and its name "first|second", as pair_key makes them.
    # Names compare as (first + "|", second): a string's place among the sides' keys stands for it.
    side_items = list(map(_SIDE_ITEM, sides))
    keys = [item.key for item in side_items]
    barred = list(map(operator.add, keys, repeat("|")))
    key_place, barred_place = _places_in_order(keys), _places_in_order(barred)
    swap = key_place[low] > key_place[high]
    first, second = np.where(swap, high, low), np.where(swap, low, high)
    # Best first, then by name.
    order = np.lexsort((key_place[second], barred_place[first], -np.array(score_of)))
    firsts, seconds, picked = first[order].tolist(), second[order].tolist(), accepted[order].tolist()
    # Overlap's fields in order, each a list (made in one go), then each pair without its __new__ (a Python call)
    fields = (
        list(map(side_items.__getitem__, firsts)),
        list(map(side_items.__getitem__, seconds)),
        list(map(score_of.__getitem__, order.tolist())),
        list(map(reasons.__getitem__, picked)),
        list(map(shared_terms.__getitem__, picked)),
        list(map(operator.add, map(barred.__getitem__, firsts), map(keys.__getitem__, seconds))),
    )
    private = np.fromiter(map(_ITEM_PRIVATE, side_items), bool, len(side_items))
    private_positions = np.flatnonzero(private[first[order]] | private[second[order]]).tolist()
    return corpus, list(map(tuple.__new__, repeat(Overlap), zip(*fields, strict=True))), private_positions


def _places_in_order(texts: list[str]) -> np.ndarray:
    """Each text's place when the texts are sorted."""
    return _place_of(np.array(sorted(range(len(texts)), key=texts.__getitem__), dtype=np.int64))


def rounded(scores: np.ndarray) -> list[float]:
    """Scores to three places, each exactly as ``round(score, 3)`` gives it (the score pairs are shown and sorted by).

    On arrays: ``rint(score * 1000) / 1000`` is the same float unless ``score * 1000`` lies within a
    hair of a half, where its own rounding error could tip it; those few are rounded by ``round``.
    """
    scaled = scores * 1000
    result = (np.rint(scaled) / 1000).tolist()
    for number in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
        result[number] = round(float(scores[number]), 3)
    return result


_OBJECTIVE_ID = attrgetter("objective_id")
_DEPARTMENT_ID = attrgetter("department_id")
_TITLE = attrgetter("title")
_ROW_OBJECTIVE = itemgetter(2)
_CYCLE_ID = attrgetter("cycle_id")


# Overlap's and Item's fields by place: a tuple read by itemgetter, a C call, not an attribute lookup each
_FIRST, _SECOND, _PAIR_NAME = (itemgetter(Overlap._fields.index(name)) for name in ("first", "second", "key"))
_ITEM_OBJECTIVE_ID, _ITEM_PRIVATE = (itemgetter(Item._fields.index(name)) for name in ("objective_id", "private"))


# --- reading a cycle's items ----------------------------------------------------------------------------------------


def cycles_in_scope(company: Company, cycle: Cycle) -> list[int]:
    """The cycle and every cycle enclosing it (an annual cycle around a quarter)."""
    enclosing = Cycle.objects.filter(
        company=company, start_date__lte=cycle.start_date, end_date__gte=cycle.end_date
    ).values_list("pk", flat=True)
    return sorted({cycle.pk, *enclosing})


_COUNTED = (ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED)


def read_items(company: Company, cycle_ids: list[int]) -> tuple[list[Item], set[tuple[int, int]]]:
    """The department objectives and key results of the cycles (three queries), and the pairs already linked.

    Only the columns the finder uses are read, as plain rows (no model instances); key results come joined
    to their objectives, and the links name them by a subquery, not by a list of ten thousand ids.
    """
    chosen = Objective.objects.filter(
        company=company, cycle_id__in=cycle_ids, department__isnull=False, status__in=_COUNTED
    )
    objectives = list(
        chosen.values_list(
            "pk", "cycle_id", "department_id", "department__name", "title", "owner_id", "private", "parent_id"
        )
    )
    objectives_read = {row[0] for row in objectives}
    items = [
        Item("objective", pk, pk, cycle_id, department_id, name, title, owner_id, private, owner_id)
        for pk, cycle_id, department_id, name, title, owner_id, private, _parent in objectives
    ]
    # Each key result row comes with its objective's facts, in Item's order, so it is made without a step in
    # Python; one whose objective the first query did not see (added or moved since) waits for the next revision.
    key_results = list(
        KeyResult.objects.filter(
            company=company,
            objective__company=company,
            objective__cycle_id__in=cycle_ids,
            objective__department__isnull=False,
            objective__status__in=_COUNTED,
        ).values_list(
            Value("key_result"), "pk", "objective_id", "objective__cycle_id", "objective__department_id",
            "objective__department__name", "title", "owner_id", "objective__private", "objective__owner_id",
            "kind", "currency", "unit", "direction",
        )
    )  # fmt: skip
    seen = map(objectives_read.__contains__, map(_ROW_OBJECTIVE, key_results))
    items.extend(map(tuple.__new__, repeat(Item), compress(key_results, seen)))
    linked: set[tuple[int, int]] = set()
    # Dependencies and shared key results (the receiving objective and the key result's own) link two
    # objectives alike: one query for both.
    dependencies = Dependency.objects.filter(company=company, from_objective_id__in=chosen.values("pk")).values_list(
        "from_objective_id", "to_objective_id"
    )
    shares = SharedKeyResult.objects.filter(company=company, objective_id__in=chosen.values("pk")).values_list(
        "objective_id", "key_result__objective_id"
    )
    for from_id, to_id in dependencies.union(shares, all=True):
        linked.update(((from_id, to_id), (to_id, from_id)))
    # Laddering: an objective and each objective above it (within the cycles read) are aligned, not overlapping.
    parents = {row[0]: row[7] for row in objectives}
    for pk in parents:
        above = parents.get(pk)
        steps = 0
        while above is not None and steps < 50:
            linked.update(((pk, above), (above, pk)))
            above = parents.get(above)
            steps += 1
    return items, linked


# --- per process, by company revision -------------------------------------------------------------------------------


@dataclass
class CycleOverlaps:
    """A cycle's computed overlaps and its corpus (for the typing hint), valid for one company revision."""

    revision: int | None
    cycle_id: int
    corpus: Corpus
    overlaps: list[Overlap]

    #: Where the pairs with a private side are in ``overlaps``: only those can be hidden from a reader.
    private_positions: list[int] = field(repr=False)
    #: One side of each private objective met in a pair: who may read it is decided once per objective, per reader.
    private_sides: dict[int, Item] = field(default_factory=dict, init=False, repr=False)
    _positions: dict[str, int] | None = field(default=None, init=False, repr=False)
    _by_objective: dict[int, list[Overlap]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        pairs = self.overlaps
        for position in self.private_positions:
            for side in (pairs[position].first, pairs[position].second):
                if side.private:
                    self.private_sides[side.objective_id] = side

    def hidden_from(self, actor: Actor) -> set[int]:
        """The private objectives of the pairs that ``actor`` may not read (:meth:`Item.readable_by`)."""
        return {objective_id for objective_id, side in self.private_sides.items() if not side.readable_by(actor)}

    def of_objective(self, objective_id: int) -> list[Overlap]:
        """The pairs with a side of ``objective_id`` (itself or its key results), best first.

        The index by objective is made on first use: the objective page asks, the
        gaps report, the planning board and the API do not.
        """
        by_objective = self._by_objective
        if by_objective is None:
            pairs = self.overlaps
            grouped: defaultdict[int, list[Overlap]] = defaultdict(list)
            with _collector_paused():
                for overlap, first, second in zip(
                    pairs,
                    map(_ITEM_OBJECTIVE_ID, map(_FIRST, pairs)),
                    map(_ITEM_OBJECTIVE_ID, map(_SECOND, pairs)),
                    strict=True,
                ):
                    grouped[first].append(overlap)
                    if second != first:
                        grouped[second].append(overlap)
            by_objective = self._by_objective = dict(grouped)
        return by_objective.get(objective_id, [])

    def positions_of(self, keys: Iterable[str]) -> list[int]:
        """Where the pairs named ``keys`` are in ``overlaps`` (the index is made on first use: dismissals ask)."""
        positions = self._positions
        if positions is None:
            positions = self._positions = dict(
                zip(map(_PAIR_NAME, self.overlaps), range(len(self.overlaps)), strict=True)
            )
        return [positions[key] for key in keys if key in positions]


_CACHE: OrderedDict[tuple[int, int], CycleOverlaps] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def cycle_overlaps(company: Company, cycle: Cycle) -> CycleOverlaps:
    """The cycle's overlaps for everyone (no privacy filter yet), computed once per company revision."""
    current = revision.current(company.pk)  # read before any data it stands for
    key = (company.pk, cycle.pk)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and current is not None and cached.revision == current:
            _CACHE.move_to_end(key)
            return cached
        if cached is not None:
            # Stale: let it go before computing, so its memory is reused rather than more taken for a while.
            del _CACHE[key]
    del cached
    # The collector paused from the read to the result: all of it makes objects that live as long as
    # the result (see _collector_paused); a full collection in between would only scan them (and the last result).
    with _collector_paused():
        items, linked = read_items(company, cycles_in_scope(company, cycle))
        corpus, found, private = _find_overlaps(items, cycle_id=cycle.pk, linked=linked, threshold=DEFAULT_THRESHOLD)
        computed = CycleOverlaps(
            revision=current, cycle_id=cycle.pk, corpus=corpus, overlaps=found, private_positions=private
        )
    if current is not None:
        with _LOCK:
            _CACHE[key] = computed
            _CACHE.move_to_end(key)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return computed


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def dismissed_keys(company: Company) -> set[str]:
    return set(OverlapDismissal.objects.filter(company=company).values_list("pair_key", flat=True))


def overlaps_for_reader(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    objective_id: int | None = None,
    include_dismissed: bool = False,
) -> list[Overlap]:
    """The cycle's overlaps this reader may see: both sides readable, not dismissed; of one objective if given.

    The one function every surface calls. A pair with a side the reader may
    not read is left out entirely, so nothing about it (not even a count) shows.
    """
    computed = cycle_overlaps(company, cycle)
    # Read even when there is nothing to filter: a page's query count does not depend on its data.
    dismissed = set() if include_dismissed else dismissed_keys(company)
    # Whether a side may be read depends on its objective's facts only: decided once per private objective.
    hidden = computed.hidden_from(actor)
    suspects: Iterable[int]
    if objective_id is not None:
        pairs = computed.of_objective(objective_id)
        suspects = range(len(pairs))
    else:
        # A whole cycle: only a pair with a private side or a dismissed one can be left out; the rest is copied.
        pairs = computed.overlaps
        suspects = sorted({*(computed.private_positions if hidden else ()), *computed.positions_of(dismissed)})
    left_out = [
        position
        for position in suspects
        if pairs[position].key in dismissed
        or pairs[position].first.objective_id in hidden
        or pairs[position].second.objective_id in hidden
    ]
    shown: list[Overlap] = []
    start = 0
    for position in left_out:
        shown += pairs[start:position]
        start = position + 1
    shown += pairs[start:]
    return shown


def may_link(actor: Actor, side: Item) -> bool:
    """Whether ``actor`` may link the side's objective (as a dependency, or by sharing a key result into it)."""
    return actor.can(Action.MANAGE_DEPENDENCY, department_id=side.department_id, owner_id=side.objective_owner_id)


def can_act_on(actor: Actor, overlap: Overlap) -> bool:
    """Whoever may link either side's objective as a dependency may dismiss or convert the pair."""
    return may_link(actor, overlap.first) or may_link(actor, overlap.second)


def linked_away(found: Iterable[Overlap], objective_ids: set[int], *, but: str) -> list[str]:
    """The keys of the pairs (other than ``but``) that a new link between these two objectives takes away.

    Linked objectives do not overlap (``_find_overlaps`` skips every pair of them), so after a
    dependency or a share, their other pairs (say, through their key results) are gone too.
    """
    return [
        overlap.key
        for overlap in found
        if overlap.key != but and {overlap.first.objective_id, overlap.second.objective_id} == objective_ids
    ]


@dataclass(frozen=True)
class Hint:
    item: Item
    score: float
    reasons: tuple[str, ...]


def hint_matches(
    *,
    company: Company,
    actor: Actor,
    cycle: Cycle,
    title: str,
    department_id: int | None,
    exclude_objective_id: int | None = None,
    limit: int = 3,
) -> list[Hint]:
    """Items of other departments a title being typed may duplicate, best first (readable ones only)."""
    terms = key_terms(title)
    if not terms or department_id is None:
        return []
    computed = cycle_overlaps(company, cycle)
    corpus = computed.corpus
    draft = corpus.draft_side(
        Item("objective", 0, 0, cycle.pk, department_id, "", title, actor.user_id, False, actor.user_id)
    )
    candidates: set[int] = set()
    for key in corpus.keys_of(terms):
        candidates.update(corpus.holders(key))
    others = [
        position
        for position in candidates
        if corpus.items[position].department_id != department_id
        and corpus.items[position].objective_id != exclude_objective_id
        and corpus.items[position].readable_by(actor)
    ]
    if not others:
        return []
    sides = [draft, *corpus.sides(others)]
    scores, reasons, _shared = corpus.score_many(sides, np.zeros(len(others), dtype=np.int64), np.arange(1, len(sides)))
    hints = [
        Hint(corpus.items[position], score, why)
        for position, score, exact, why in zip(others, rounded(scores), scores.tolist(), reasons, strict=True)
        if exact >= DEFAULT_THRESHOLD
    ]
    hints.sort(key=lambda h: (-h.score, h.item.key))
    return hints[:limit]
