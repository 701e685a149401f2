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
:data:`DEFAULT_THRESHOLD`. Pairs already linked (a dependency either way, or one
laddering under the other) are not overlaps, and dismissed pairs are left out
for everyone in the company.

Speed: the cycle's items are read with one ``values()`` query; candidates come
from an inverted index on key terms, probing only each item's rarest terms
(very common terms cannot make a pair on their own), so the work grows with
the number of items, not its square. The computed pairs and the index are
kept per process under the company revision (``companies/revision.py``):
unchanged, a reader pays for the revision read, the dismissals and the
privacy filter (the one row rule, :func:`objectives.selectors.reads_objective`).
"""

from __future__ import annotations

import functools
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from companies import revision
from companies.models import Company
from companies.tenancy import Actor
from objectives.models import Cycle, Dependency, KeyResult, Objective, ObjectiveStatus, OverlapDismissal
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
AUDIENCE_PENALTY = 0.2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP"}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _singular(word: str) -> str:
    if len(word) > 7 and word.endswith("ing"):
        return word[:-3]  # onboarding -> onboard, recruiting -> recruit (only long words: "ring", "king" stay)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=200_000)
def key_terms(title: str) -> frozenset[str]:
    """The key terms of a title: stop words and numbers out, plurals folded, synonyms of one measure merged."""
    terms: set[str] = set()
    for raw in _WORD.findall(_fold(title)):
        if raw in STOP_WORDS or any(ch.isdigit() for ch in raw) or len(raw) < 2:
            continue
        word = _singular(raw)
        if word in STOP_WORDS:
            continue
        terms.update(SYNONYMS.get(word, (word,)))
    return frozenset(terms)


@functools.lru_cache(maxsize=100_000)
def trigrams(text: str) -> frozenset[str]:
    """The trigram set PostgreSQL's pg_trgm builds: each word padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def trigram_similarity(left: frozenset[str], right: frozenset[str]) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams of both."""
    if not left or not right:
        return 0.0
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)


def text_currency(title: str) -> str:
    """A currency named in a title by its sign ("€5M"), or ""."""
    for sign, code in _CURRENCY_SIGNS.items():
        if sign in title:
            return code
    return ""


@dataclass(frozen=True)
class Item:
    """One objective or key result as the finder sees it (plain facts, shared by every reader)."""

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


@dataclass(frozen=True)
class Overlap:
    first: Item
    second: Item
    score: float
    reasons: tuple[str, ...]
    shared_terms: tuple[str, ...]

    @property
    def key(self) -> str:
        return pair_key(self.first.key, self.second.key)

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
    """

    def __init__(self, items: Iterable[Item]) -> None:
        self.items: list[Item] = list(items)
        self.terms: list[frozenset[str]] = [key_terms(item.title) for item in self.items]
        df: Counter[str] = Counter()
        for terms in self.terms:
            df.update(terms)
        self.df = df
        self.size = max(len(self.items), 1)
        self._idf: dict[str, float] = {t: math.log(1 + self.size / (1 + n)) for t, n in df.items()}
        self.weights: list[float] = [sum(self._idf[t] for t in terms) for terms in self.terms]
        self._grams: dict[int, frozenset[str]] = {}
        self._holders: dict[str, list[int]] | None = None
        self.keys: list[list[str]] = [self.keys_of(terms) for terms in self.terms]
        key_df: Counter[str] = Counter()
        for keys in self.keys:
            key_df.update(keys)
        self.key_df = key_df
        self.index: dict[str, list[int]] = defaultdict(list)
        for position, keys in enumerate(self.keys):
            for key in self.probe(keys):
                self.index[key].append(position)

    def keys_of(self, terms: frozenset[str]) -> list[str]:
        """Blocking keys of a term set: its rarest terms, and each pair of them."""
        rarest = sorted(sorted(terms, key=lambda t: (self.df.get(t, 0), t))[:KEY_TERMS])
        return rarest + [f"{a}&{b}" for i, a in enumerate(rarest) for b in rarest[i + 1 :]]

    def probe(self, keys: list[str]) -> list[str]:
        """The keys that are not common, rarest first: what an item is indexed and looked up under."""
        rare = [k for k in keys if 1 < self.key_df.get(k, 0) <= COMMON_KEY]  # a key no other item holds meets none
        rare.sort(key=lambda k: (self.key_df[k], k))
        return rare

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log(1 + self.size / (1 + self.df.get(term, 0)))
        return value

    def holders(self, key: str) -> list[int]:
        """Every item holding ``key`` unless it is common (built on first use: only the typing hint asks)."""
        if self._holders is None:
            holders: dict[str, list[int]] = defaultdict(list)
            for position, keys in enumerate(self.keys):
                for held in keys:
                    if self.key_df[held] <= COMMON_KEY:
                        holders[held].append(position)
            self._holders = holders
        return self._holders.get(key, [])

    def grams(self, position: int) -> frozenset[str]:
        grams = self._grams.get(position)
        if grams is None:
            grams = self._grams[position] = trigrams(self.items[position].title)
        return grams

    def score(
        self,
        left: Item,
        left_terms: frozenset[str],
        left_grams: frozenset[str],
        right: Item,
        right_terms: frozenset[str],
        right_grams: frozenset[str],
        left_weight: float | None = None,
        right_weight: float | None = None,
    ) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        """The pair's score, its reasons and shared key terms (the rules of the module docstring)."""
        shared = left_terms & right_terms
        if not shared:
            return 0.0, (), ()
        shared_weight = sum(self.idf(t) for t in shared)
        total = (left_weight if left_weight is not None else sum(self.idf(t) for t in left_terms)) + (
            right_weight if right_weight is not None else sum(self.idf(t) for t in right_terms)
        )
        term_score = 2 * shared_weight / total if total else 0.0
        wording = trigram_similarity(left_grams, right_grams)
        score = TERM_WEIGHT * term_score + WORDING_WEIGHT * wording
        ordered = tuple(sorted(shared, key=lambda t: (-self.idf(t), t)))
        reasons = [f"shared key terms: {', '.join(ordered)}"]
        if wording >= 0.3:
            reasons.append(f"similar wording ({wording:.0%})")
        left_audience, right_audience = left_terms & AUDIENCES, right_terms & AUDIENCES
        if left_audience and right_audience and not left_audience & right_audience:
            score -= AUDIENCE_PENALTY
        measure = _same_measure(left, right)
        if measure == "same":
            score += SAME_MEASURE_BONUS
            reasons.append(f"same measure: {_measure_label(left)}, {_direction_label(left)}")
        elif measure == "opposite":
            score -= OPPOSITE_DIRECTION_PENALTY
        if left.owner_id is not None and left.owner_id == right.owner_id:
            score += SAME_OWNER_BONUS
            reasons.append("same owner")
        return max(0.0, min(1.0, score)), tuple(reasons), ordered

    def score_items(self, left: int, right: int) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
        return self.score(
            self.items[left],
            self.terms[left],
            self.grams(left),
            self.items[right],
            self.terms[right],
            self.grams(right),
            self.weights[left],
            self.weights[right],
        )


def _measure_of(item: Item) -> tuple[str, str] | None:
    if item.kind == "key_result":
        if item.measure_kind == "milestone":
            return None
        unit = item.currency or item.unit.strip().lower()
        return (item.measure_kind, unit) if unit or item.measure_kind == "percent" else None
    currency = text_currency(item.title)
    return ("currency", currency) if currency else None


def _same_measure(left: Item, right: Item) -> str:
    """ "same" (kind, currency or unit and direction), "opposite" (same unit, opposite way) or ""."""
    left_measure, right_measure = _measure_of(left), _measure_of(right)
    if left_measure is None or right_measure is None or left_measure != right_measure:
        return ""
    if not left.direction or not right.direction:
        return "same" if left.kind != right.kind else ""  # an objective naming the currency of a key result
    up = {"increase", "at_least"}
    if (left.direction in up) == (right.direction in up):
        return "same"
    return "opposite"


def _measure_label(item: Item) -> str:
    measure = _measure_of(item)
    return measure[1] or measure[0] if measure else ""


def _direction_label(item: Item) -> str:
    return "up" if item.direction in ("increase", "at_least", "") else "down"


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
    linked (dependencies, laddering), in both orders.
    """
    corpus = Corpus(items)
    seen: set[tuple[int, int]] = set()
    found: list[Overlap] = []
    items = corpus.items
    for position, keys in enumerate(corpus.keys):
        item = items[position]
        shared: Counter[int] = Counter()
        department_id = item.department_id
        # This item's rare keys against the other departments' items holding them.
        for key in corpus.probe(keys):
            for other in corpus.index.get(key, ()):
                if items[other].department_id != department_id:
                    shared[other] += 1
        for other, _count in shared.most_common(CANDIDATES_PER_ITEM):
            candidate = items[other]
            if candidate.department_id == item.department_id or candidate.objective_id == item.objective_id:
                continue
            if cycle_id is not None and item.cycle_id != cycle_id and candidate.cycle_id != cycle_id:
                continue
            ordered = (position, other) if position < other else (other, position)
            if ordered in seen:
                continue
            seen.add(ordered)
            if (item.objective_id, candidate.objective_id) in linked:
                continue
            score, reasons, terms = corpus.score_items(*ordered)
            if score >= threshold:
                first, second = (items[ordered[0]], items[ordered[1]])
                if second.key < first.key:
                    first, second = second, first
                found.append(Overlap(first, second, round(score, 3), reasons, terms))
    found.sort(key=lambda o: (-o.score, o.key))
    return corpus, found


# --- reading a cycle's items ----------------------------------------------------------------------------------------


def cycles_in_scope(company: Company, cycle: Cycle) -> list[int]:
    """The cycle and every cycle enclosing it (an annual cycle around a quarter)."""
    enclosing = Cycle.objects.filter(
        company=company, start_date__lte=cycle.start_date, end_date__gte=cycle.end_date
    ).values_list("pk", flat=True)
    return sorted({cycle.pk, *enclosing})


_COUNTED = (ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE, ObjectiveStatus.CLOSED)


def read_items(company: Company, cycle_ids: list[int]) -> tuple[list[Item], set[tuple[int, int]]]:
    """The department objectives and key results of the cycles (three queries), and the pairs already linked."""
    objectives = list(
        Objective.objects.filter(
            company=company, cycle_id__in=cycle_ids, department__isnull=False, status__in=_COUNTED
        ).values_list(
            "pk", "cycle_id", "department_id", "department__name", "title", "owner_id", "private", "parent_id"
        )
    )
    facts = {row[0]: row for row in objectives}
    items = [
        Item("objective", pk, pk, cycle_id, department_id, name, title, owner_id, private, owner_id)
        for pk, cycle_id, department_id, name, title, owner_id, private, _parent in objectives
    ]
    key_results = KeyResult.objects.filter(company=company, objective_id__in=list(facts)).values_list(
        "pk", "objective_id", "title", "owner_id", "kind", "currency", "unit", "direction"
    )
    for pk, objective_id, title, owner_id, kind, currency, unit, direction in key_results.iterator(chunk_size=5000):
        _o, cycle_id, department_id, name, _t, objective_owner_id, private, _p = facts[objective_id]
        items.append(
            Item(
                "key_result",
                pk,
                objective_id,
                cycle_id,
                department_id,
                name,
                title,
                owner_id,
                private,
                objective_owner_id,
                kind,
                currency,
                unit,
                direction,
            )
        )
    linked: set[tuple[int, int]] = set()
    for from_id, to_id in Dependency.objects.filter(company=company, from_objective_id__in=list(facts)).values_list(
        "from_objective_id", "to_objective_id"
    ):
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
    by_objective: dict[int, list[Overlap]] = field(default_factory=dict)

    private_pairs: int = 0

    def __post_init__(self) -> None:
        self.private_pairs = sum(1 for o in self.overlaps if o.first.private or o.second.private)
        for overlap in self.overlaps:
            self.by_objective.setdefault(overlap.first.objective_id, []).append(overlap)
            if overlap.second.objective_id != overlap.first.objective_id:
                self.by_objective.setdefault(overlap.second.objective_id, []).append(overlap)


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
    items, linked = read_items(company, cycles_in_scope(company, cycle))
    corpus, found = find_overlaps(items, cycle_id=cycle.pk, linked=linked)
    computed = CycleOverlaps(revision=current, cycle_id=cycle.pk, corpus=corpus, overlaps=found)
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
    pairs = computed.by_objective.get(objective_id, []) if objective_id is not None else computed.overlaps
    # Read even when there is nothing to filter: a page's query count does not depend on its data.
    dismissed = set() if include_dismissed else dismissed_keys(company)
    if not dismissed and not computed.private_pairs:
        return list(pairs)  # nothing to leave out: every side is readable by everyone in the company
    return [
        o
        for o in pairs
        if o.key not in dismissed
        and (
            (not o.first.private and not o.second.private)
            or (o.first.readable_by(actor) and o.second.readable_by(actor))
        )
    ]


def can_act_on(actor: Actor, overlap: Overlap) -> bool:
    """Whoever may link either side's objective as a dependency may dismiss or convert the pair."""
    return any(
        actor.can(Action.MANAGE_DEPENDENCY, department_id=side.department_id, owner_id=side.objective_owner_id)
        for side in (overlap.first, overlap.second)
    )


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
    draft = Item("objective", 0, 0, cycle.pk, department_id, "", title, actor.user_id, False, actor.user_id)
    grams = trigrams(title)
    candidates: set[int] = set()
    for key in corpus.keys_of(terms):
        candidates.update(corpus.holders(key))
    hints = []
    for position in candidates:
        item = corpus.items[position]
        if item.department_id == department_id or item.objective_id == exclude_objective_id:
            continue
        if not item.readable_by(actor):
            continue
        score, reasons, _shared = corpus.score(
            draft, terms, grams, item, corpus.terms[position], corpus.grams(position)
        )
        if score >= DEFAULT_THRESHOLD:
            hints.append(Hint(item, round(score, 3), reasons))
    hints.sort(key=lambda h: (-h.score, h.item.key))
    return hints[:limit]
