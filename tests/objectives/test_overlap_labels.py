"""The finder against a labelled set (``overlap_labels.py``): precision and recall at the default threshold."""

import gc

from objectives.overlaps import DEFAULT_THRESHOLD, Corpus, Item, find_overlaps, key_terms, trigram_mask, trigrams
from tests.objectives.overlap_labels import NEAR_MISSES, OVERLAPS


def _item(side: tuple, number: int) -> Item:
    department = side[0]
    department_id = abs(hash(department)) % 10_000 + 1
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
