"""Measuring the classifier honestly: near-duplicate complaints never straddle a cross-validation split."""
import numpy as np
import pytest

from classifier.evaluate import cross_validate, group_folds, near_duplicate_groups, shared

FEE = "bank charged overdraft fee three times one day processed largest debit first"
REPORT = "equifax report show account never opened disputed twice verified anyway identity theft"


@pytest.mark.parametrize("texts, together, apart", [
    ([FEE, FEE], [(0, 1)], []),                                                       # the same text twice
    ([FEE, FEE.replace("three", "two"), REPORT], [(0, 1)], [(0, 2), (1, 2)]),        # a word changed
    ([FEE, FEE.upper() + " XXXX", REPORT], [(0, 1)], [(1, 2)]),                        # case and redaction marks
    ([FEE, REPORT], [], [(0, 1)]),                                                    # two complaints
    (["bank charged overdraft fee", "overdraft fee refund please"], [], [(0, 1)]),    # same subject, not a twin
    ([FEE, FEE + " reversed", FEE + " reversed late", REPORT], [(0, 2)], [(0, 3)]),    # a chain is one group
    (["", "!!", FEE], [], [(0, 1), (1, 2)]),                                          # nothing to compare
])
def test_near_duplicates_share_a_group(texts, together, apart):
    groups = near_duplicate_groups(texts)
    assert len(groups) == len(texts)
    assert all(groups[a] == groups[b] for a, b in together), groups
    assert all(groups[a] != groups[b] for a, b in apart), groups


def test_the_threshold_is_the_rule():
    pair = [FEE, "bank charged overdraft fee processed largest debit first refund please"]
    assert near_duplicate_groups(pair, threshold=0.5)[0] == near_duplicate_groups(pair, threshold=0.5)[1]
    assert near_duplicate_groups(pair, threshold=0.95)[0] != near_duplicate_groups(pair, threshold=0.95)[1]


def test_a_group_never_straddles_a_split():
    labels = [label for label in ("fee", "report", "loan") for _ in range(10)]
    groups = np.arange(30)
    groups[[0, 1, 2, 3]] = 0    # four twins of one complaint
    groups[[10, 11]] = 10
    for seed in range(5):
        for train, test in group_folds(labels, groups, k=5, seed=seed):
            assert not set(groups[train]) & set(groups[test])
            assert sorted([*train, *test]) == list(range(30))


def test_cross_validation_counts_the_twins_it_kept_together():
    distinct = [FEE, "wire transfer never arrived branch refused", REPORT, "credit bureau inquiry never authorised",
                "mortgage escrow payment raised servicer late", "student loan servicer forbearance interest"]
    labels = ["bank", "bank", "report", "report", "loan", "loan"]
    result = cross_validate(distinct * 4, labels * 4, folds=2)
    assert result.rows == 24 and result.near_duplicates == 24 and result.folds == 2
    assert sum(map(sum, result.confusion)) == 24


def test_no_row_is_predicted_by_a_model_that_saw_its_twin():
    """Twelve made-up complaints, four copies each, labels that their words cannot predict: a model that saw a
    twin answers from memory (all right); kept apart, it can only guess."""
    rng = np.random.default_rng(7)
    words = ["".join(rng.choice(list("bcdfghjklmnpqrstvwxz"), 7)) for _ in range(60)]
    distinct = [" ".join(words[5 * i:5 * i + 5]) for i in range(12)]
    labels = ["card", "loan", "bank"] * 4
    result = cross_validate(distinct * 4, labels * 4, folds=3)
    assert result.near_duplicates == 48
    assert result.accuracy < 0.75, result


@pytest.mark.parametrize("groups, rows", [([0, 1, 2], 0), ([0, 0, 1], 2), ([0, 0, 1, 2, 2, 2], 5), ([3, 3, 3, 3], 4)])
def test_shared_counts_rows_with_a_twin(groups, rows):
    assert shared(np.array(groups)) == rows


def test_block_by_block_finds_the_same_groups(monkeypatch):
    """Large histories are compared a few rows at a time (bounded memory); the groups must not depend on it."""
    import classifier.evaluate as evaluate

    texts = [FEE, REPORT, FEE.replace("three", "two"), "collector calls work debt not mine", REPORT + " again",
             "collector calls my work about a debt not mine"]
    whole = near_duplicate_groups(texts)
    monkeypatch.setattr(evaluate, "_PAIRS_AT_ONCE", len(texts))  # one row against all others per step
    assert list(near_duplicate_groups(texts)) == list(whole)
    assert whole[0] == whole[2] and whole[1] == whole[4] and whole[0] != whole[1]
