"""Flag metrics: undefined values are None, macro F1 averages the labels it can."""

import numpy as np
from sklearn.metrics import f1_score

from ethicsnlp.bootstrap import metric_intervals
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.taxonomy import LABEL_IDS


def test_matches_scikit_learn_when_every_label_is_present():
    rng = np.random.default_rng(0)
    Y = (rng.random((300, 10)) < 0.2).astype(int)
    pred = (rng.random((300, 10)) < 0.2).astype(int)
    metrics = flag_metrics(Y, pred)
    assert metrics["macro_f1"] == round(f1_score(Y, pred, average="macro"), 4)
    assert metrics["micro_f1"] == round(f1_score(Y, pred, average="micro"), 4)
    assert metrics["macro_labels"] == 10


def test_a_label_with_nothing_to_find_and_no_flag_is_undefined_not_zero():
    Y = np.zeros((6, 10), dtype=int)
    Y[:3, 0] = 1
    pred = Y.copy()
    pred[5, 1] = 1  # a false alarm on a label no note has
    metrics = flag_metrics(Y, pred)
    first, second, third = (metrics["per_label"][label] for label in LABEL_IDS[:3])
    assert first["f1"] == 1.0
    assert second == {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0}
    assert third == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert metrics["macro_labels"] == 2 and metrics["macro_f1"] == 0.5

    nothing = flag_metrics(np.zeros((4, 10), int), np.zeros((4, 10), int))
    assert nothing["macro_f1"] is None and nothing["micro_f1"] is None
    assert nothing["no_label_flagged"] == 0.0 and nothing["labelled_caught"] is None


def test_bootstrap_macro_averages_defined_labels_only():
    Y = np.zeros((40, 10), dtype=int)
    Y[:20, 0] = 1
    intervals = metric_intervals(Y, Y.copy(), n_boot=50, seed=0)
    assert intervals["macro_f1"] == [1.0, 1.0]
    assert intervals["per_label"][LABEL_IDS[3]]["f1"] is None
