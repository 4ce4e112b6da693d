"""The numpy classification scores against scikit-learn's, on random labels and scores with
ties (differential: scikit-learn is the reference the figures must match)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from neural_hpo.engine.scores import macro_prf, roc_auc

labels = st.lists(st.integers(0, 5), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(labels, st.randoms(use_true_random=False))
def test_macro_precision_recall_f1_are_scikit_learns(truth, rnd):
    pred = [rnd.choice([t, rnd.randint(0, 6)]) for t in truth]
    want = precision_recall_fscore_support(truth, pred, average="macro", zero_division=0)[:3]
    assert macro_prf(np.array(truth), np.array(pred)) == pytest.approx(want, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 8)), min_size=2, max_size=60))
def test_roc_auc_is_scikit_learns_with_ties(pairs):
    positive = np.array([p for p, _ in pairs])
    if positive.all() or not positive.any():
        return
    scores = np.array([s / 8 for _, s in pairs], dtype=np.float32)  # few values: many ties
    assert roc_auc(positive, scores) == pytest.approx(roc_auc_score(positive, scores), abs=1e-12)


def test_a_perfect_and_a_reversed_ranking():
    positive = np.array([False, False, True, True])
    assert roc_auc(positive, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(positive, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert macro_prf(np.array([0, 1]), np.array([0, 0])) == pytest.approx((0.25, 0.5, 1 / 3))
