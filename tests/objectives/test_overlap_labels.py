"""The finder against a labelled set (``overlap_labels.py``): precision and recall at the default threshold."""

import gc

import numpy as np

from objectives.overlaps import (
    AUDIENCES,
    DEFAULT_THRESHOLD,
    Corpus,
    Item,
    find_overlaps,
    key_terms,
    rounded,
    trigram_mask,
    trigrams,
)
from objectives.overlaps import _measure_of as measure_of
from tests.objectives.overlap_labels import NEAR_MISSES, OVERLAPS

#: Each department named in the labelled set and its id, in the order met. Not ``hash(name)``: that changes with
#: every process, and two names meeting in one id made two departments one (CI once lost a pair that way).
DEPARTMENT_IDS: dict[str, int] = {}


def _item(side: tuple, number: int) -> Item:
    department = side[0]
    department_id = DEPARTMENT_IDS.setdefault(department, len(DEPARTMENT_IDS) + 1)
    if len(side) == 2:
        return Item("objective", number, number, 1, department_id, department, side[1], None, False, None)
    _d, title, kind, unit, direction = side
    currency = unit if kind == "currency" else ""
    return Item(
        "key_result", number, 100_000 + number, 1, department_id, department, title, None, False, None,
        kind, currency, "" if currency else unit, direction,
    )  # fmt: skip


def _labelled() -> tuple[list[tuple[int, int, bool]], list[Item]]:
    items: list[Item] = []
    pairs = []
    for label, group in ((True, OVERLAPS), (False, NEAR_MISSES)):
        for left, right in group:
            items.extend((_item(left, len(items) + 1), _item(right, len(items) + 2)))
            pairs.append((len(items) - 2, len(items) - 1, label))
    return pairs, items


def evaluate(threshold: float = DEFAULT_THRESHOLD) -> tuple[float, float, list[str]]:
    pairs, items = _labelled()
    corpus = Corpus(items)
    true_positive = false_positive = false_negative = 0
    wrong = []
    for left, right, label in pairs:
        score = corpus.score_items(left, right)[0]
        predicted = score >= threshold
        true_positive += predicted and label
        false_positive += predicted and not label
        false_negative += label and not predicted
        if predicted != label:
            wrong.append(f"{'FN' if label else 'FP'} {score:.2f} {items[left].title!r} ~ {items[right].title!r}")
    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    return precision, recall, wrong


def test_the_labelled_set_has_sixty_realistic_pairs_of_both_kinds():
    assert len(OVERLAPS) + len(NEAR_MISSES) >= 60
    assert len(OVERLAPS) >= 25
    assert len(NEAR_MISSES) >= 25


def test_precision_and_recall_at_the_default_threshold():
    precision, recall, wrong = evaluate()
    print(f"\noverlap finder at threshold {DEFAULT_THRESHOLD}: precision {precision:.1%}, recall {recall:.1%}")
    print("\n".join(wrong))
    assert precision >= 0.80
    assert recall >= 0.70


def test_the_finder_reports_every_pair_the_score_accepts():
    """Candidate blocking (the index on rare terms) loses no labelled pair the scoring accepts."""
    pairs, items = _labelled()
    corpus = Corpus(items)
    accepted = {
        (items[left].key, items[right].key)
        for left, right, _label in pairs
        if corpus.score_items(left, right)[0] >= DEFAULT_THRESHOLD
    }
    _corpus, found = find_overlaps(items)
    reported = {(o.first.key, o.second.key) for o in found} | {(o.second.key, o.first.key) for o in found}
    assert accepted
    assert accepted <= reported


def test_the_trigram_bit_sets_count_exactly_what_the_sets_share():
    """The finder scores wording on bit sets (:func:`trigram_mask`); they must agree with the pg_trgm sets."""
    titles = [side[1] for pair in OVERLAPS + NEAR_MISSES for side in pair] + ["Über-Kunden in Zürich", "ÉTÉ 2026", ""]
    for left in titles[::3]:
        for right in titles[1::5]:
            left_mask, left_size = trigram_mask(left)
            right_mask, right_size = trigram_mask(right)
            assert (left_size, right_size) == (len(trigrams(left)), len(trigrams(right)))
            assert (left_mask & right_mask).bit_count() == len(trigrams(left) & trigrams(right))


def test_key_terms_fold_accents_and_case_as_before():
    assert key_terms("Café leads in Deutschland") == key_terms("CAFE LEADS IN germany") == {
        "cafe", "leads/pipeline", "germany",
    }  # fmt: skip


def test_the_finder_leaves_the_garbage_collector_as_it_found_it():
    _pairs, items = _labelled()
    assert gc.isenabled()
    find_overlaps(items)
    assert gc.isenabled()
    gc.disable()
    try:
        find_overlaps(items)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _score_by_hand(corpus: Corpus, left: int, right: int) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    """The rules of the module docstring for one pair, written out plainly: the oracle for the array scorer."""
    a, b = corpus.items[left], corpus.items[right]
    shared = key_terms(a.title) & key_terms(b.title)
    if not shared:
        return 0.0, (), ()
    idf = corpus.idf
    ordered = tuple(sorted(shared, key=lambda t: (-idf(t), t)))
    total = sum(map(idf, key_terms(a.title))) + sum(map(idf, key_terms(b.title)))
    term_score = 2 * sum(map(idf, shared)) / total
    left_grams, right_grams = trigrams(a.title), trigrams(b.title)
    union = len(left_grams | right_grams)
    wording = len(left_grams & right_grams) / union if left_grams and right_grams else 0.0
    score = 0.55 * term_score + 0.35 * wording
    reasons: tuple[str, ...] = (f"shared key terms: {', '.join(ordered)}",)
    if wording >= 0.3:
        reasons += (f"similar wording ({wording:.0%})",)
    left_audience, right_audience = shared_with_audiences(a), shared_with_audiences(b)
    if left_audience and right_audience and not left_audience & right_audience:
        score -= 0.2
    left_measure, right_measure = measure_of(a), measure_of(b)
    if left_measure is not None and left_measure == right_measure:
        up = ("increase", "at_least")
        if not a.direction or not b.direction:
            verdict = "same" if a.kind != b.kind else ""
        else:
            verdict = "same" if (a.direction in up) == (b.direction in up) else "opposite"
        if verdict == "same":
            score += 0.12
            direction = "up" if a.direction in ("increase", "at_least", "") else "down"
            reasons += (f"same measure: {left_measure[1] or left_measure[0]}, {direction}",)
        elif verdict == "opposite":
            score -= 0.15
    if a.owner_id is not None and a.owner_id == b.owner_id:
        score += 0.05
        reasons += ("same owner",)
    return max(0.0, min(1.0, score)), reasons, ordered


def shared_with_audiences(item: Item) -> frozenset[str]:
    return key_terms(item.title) & AUDIENCES


def test_pairs_scored_together_score_as_each_pair_scored_by_hand():
    """Every labelled item against every other (sharing terms or not, same owner or not), in one call."""
    _pairs, items = _labelled()
    items = [item._replace(owner_id=item.id % 3 or None) for item in items]
    # a currency named by two objectives (no direction, one kind: not the same measure) and by a key result
    items += [
        Item("objective", 901, 901, 1, 71, "Sales", "Grow EMEA bookings to €4M", None, False, None),
        Item("objective", 902, 902, 1, 72, "Finance", "EMEA bookings of €5M", None, False, None),
        Item(
            "key_result", 903, 904, 1, 73, "Marketing", "EMEA bookings €", None, False, None,
            "currency", "EUR", "", "increase",
        ),
    ]  # fmt: skip
    corpus = Corpus(items)
    left, right = np.triu_indices(len(items), k=1)
    sides = [corpus.side(position) for position in range(len(items))]
    scores, reasons, terms = corpus.score_many(sides, left, right)
    assert len(scores) == len(left) > 1500
    by_hand = [_score_by_hand(corpus, a, b) for a, b in zip(left.tolist(), right.tolist(), strict=True)]
    assert scores.tolist() == [score for score, _r, _t in by_hand]
    assert reasons == [why for _s, why, _t in by_hand]
    assert terms == [shared for _s, _w, shared in by_hand]
    assert sum(1 for why in reasons if "same owner" in why) > 10
    assert sum(1 for why in reasons if any(reason.startswith("same measure") for reason in why)) > 10


def test_the_finders_objects_go_to_the_oldest_generation_not_back_to_the_young_one():
    _pairs, items = _labelled()
    _corpus, found = find_overlaps(items)
    assert gc.get_freeze_count() == 0
    assert not any(young is found for young in gc.get_objects(generation=0))


def test_scores_are_rounded_on_arrays_exactly_as_round_does():
    values = [k / 2000 for k in range(2001)] + [k / 1000 + 0.0005 for k in range(1000)] + [0.1235, 0.0005, 0.9995]
    values += [(k * 7919 % 10007) / 10007 for k in range(20_000)]
    assert rounded(np.array(values)) == [round(value, 3) for value in values]
