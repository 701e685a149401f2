"""The finder's blocking (which pairs get scored), made on arrays, against the rule written out plainly."""

import random
from collections import Counter
from itertools import chain

import numpy as np
import pytest

from bench.overlaps import realistic_title
from objectives import overlaps
from objectives.overlaps import (
    _WORD,
    CANDIDATES_PER_ITEM,
    COMMON_KEY,
    KEY_TERMS,
    Corpus,
    Item,
    _fold,
    _words_of,
    key_terms,
    key_terms_of,
    trigram_mask,
    trigram_masks,
    trigrams,
)


def _items(count: int, departments: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    items = []
    for number in range(1, count + 1):
        department = rng.randrange(1, departments + 1)
        title = realistic_title(rng, department) if number % 17 else "Grow the things"  # some share one set
        items.append(Item("objective", number, number, 1, department, f"D{department}", title, None, False, None))
    return items


def _keys_by_hand(terms: frozenset[str], df: Counter[str]) -> list[str]:
    rarest = sorted(sorted(terms, key=lambda term: (df[term], term))[:KEY_TERMS])
    return rarest + [f"{a}&{b}" for i, a in enumerate(rarest) for b in rarest[i + 1 :]]


def _blocking_by_hand(items: list[Item]) -> tuple[list[tuple[int, int]], dict[str, list[int]]]:
    """Candidate pairs and the holders of each key that is not common, by the rule of ``Corpus``."""
    terms = [key_terms(item.title) for item in items]
    df = Counter(chain.from_iterable(terms))
    keys = [_keys_by_hand(held, df) for held in terms]
    key_df = Counter(chain.from_iterable(keys))
    probes = [sorted((k for k in held if 1 < key_df[k] <= COMMON_KEY), key=lambda k: (key_df[k], k)) for held in keys]
    index: dict[str, list[int]] = {}
    for position, held in enumerate(probes):
        for key in held:
            index.setdefault(key, []).append(position)
    pairs = []
    for position, held in enumerate(probes):
        met = Counter(chain.from_iterable(index[key] for key in held))  # in the order met
        ranked = sorted(met, key=lambda other: -met[other])  # stable: ties stay in the order met
        elsewhere = [other for other in ranked if items[other].department_id != items[position].department_id]
        pairs += [(position, other) for other in elsewhere[:CANDIDATES_PER_ITEM]]
    holders: dict[str, list[int]] = {}
    for position, held in enumerate(keys):
        for key in held:
            if key_df[key] <= COMMON_KEY:
                holders.setdefault(key, []).append(position)
    return sorted(pairs), holders


@pytest.mark.parametrize(("count", "departments", "seed"), [(3000, 40, 1), (800, 6, 2), (200, 3, 3)])
def test_candidates_and_holders_are_the_ones_the_rule_gives(count, departments, seed):
    items = _items(count, departments, seed)
    corpus = Corpus(items)
    left, right = corpus.candidate_pairs()
    pairs, holders = _blocking_by_hand(items)
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == pairs
    assert len(pairs) > count  # the set is alive: most items have candidates, some fewer than the most
    for key, held in holders.items():
        assert corpus.holders(key) == held, key
    assert corpus.holders("no-such-term") == []
    key_df = Counter(chain.from_iterable(corpus.keys_of(terms) for terms in corpus.terms))
    common = [key for key, held in key_df.items() if held > COMMON_KEY]
    assert len(common) > 5 or count < 800  # a generic measure every department has
    assert all(corpus.holders(key) == [] for key in common)


def test_corpora_with_nothing_to_pair_give_no_candidates():
    assert [len(side) for side in Corpus([]).candidate_pairs()] == [0, 0]
    one_department = [item._replace(department_id=1) for item in _items(50, 4, 5)]
    assert [len(side) for side in Corpus(one_department).candidate_pairs()] == [0, 0]
    wordless = [item._replace(title="Q3 2026: 100%") for item in _items(50, 4, 6)]
    corpus = Corpus(wordless)
    assert corpus.terms[0] == frozenset()
    left, right = corpus.candidate_pairs()
    assert (len(left), len(right)) == (0, 0)
    assert np.array_equal(left, np.zeros(0, np.int64))


TRICKY = [
    "Grow ARR_2026 to €4M", "Cut churn\tby 5%", "Ship e-mail/SMS (EU) & push", "x\x1fy\x0bz", "", "a__b", "Q3-Q4!",
    "Café leads in Deutschland", "ÜBER straße", "Grow DACH pipeline; 1,000 MQLs", "  spaced   out  ",
]  # fmt: skip


@pytest.mark.parametrize("line_break", [False, True])
def test_titles_split_in_bulk_into_the_words_the_pattern_finds(line_break):
    """ASCII titles are split in one go (``_words_of``); any title must give the words ``_WORD`` finds."""
    rng = random.Random(7)
    titles = TRICKY + [realistic_title(rng, n % 9) for n in range(300)] + (["two\nlines"] if line_break else [])
    for folded in (True, False):
        expected = [_WORD.findall(_fold(title) if folded else title.lower()) for title in titles]
        assert _words_of(titles, folded=folded) == expected
        ascii_titles = [title for title in titles if title.isascii()]
        assert _words_of(ascii_titles, folded=folded) == [_WORD.findall(title.lower()) for title in ascii_titles]


def test_titles_worked_out_together_are_each_title_worked_out_alone(monkeypatch):
    rng = random.Random(8)
    titles = TRICKY + [realistic_title(rng, n % 5) for n in range(200)]
    together = key_terms_of(titles)
    masks = trigram_masks(titles)
    monkeypatch.setattr(overlaps, "_TITLE_CACHE_SIZE", 50)  # full: the cache starts again, answers stay the same
    for title, terms, mask in zip(titles, together, masks, strict=True):
        overlaps._TITLE_TERMS.clear()
        overlaps._TITLE_MASKS.clear()
        assert key_terms(title) == terms
        assert list(key_terms(title)) == list(terms)  # the same iteration order too
        assert trigram_mask(title) == mask
        assert mask[1] == len(trigrams(title))
    overlaps._TITLE_TERMS.update(dict.fromkeys(("an old title", "another"), frozenset()))
    assert key_terms_of(titles) == together
    assert set(overlaps._TITLE_TERMS) == set(titles) - {titles[-1]}  # the old ones went, this batch is kept


def test_the_pairs_with_a_private_side_are_found_where_they_are():
    """Only those pairs can be hidden from a reader (``CycleOverlaps.private_positions``): none may be missed."""
    items = [item._replace(private=item.id % 7 == 0) for item in _items(3000, 40, 9)]
    _corpus, found, private = overlaps._find_overlaps(items, cycle_id=1, linked=set(), threshold=0.3)
    expected = [number for number, pair in enumerate(found) if pair.first.private or pair.second.private]
    assert private == expected
    assert 0 < len(private) < len(found)
