import logging

import numpy as np
from sklearn.datasets import make_multilabel_classification

from ethicsnlp.model import ThresholdedMultiLabelClassifier
from ethicsnlp.train import cross_validate_views


def test_extra_notes_join_every_training_fold_and_the_log_counts_them(caplog):
    X, Y = make_multilabel_classification(n_samples=160, n_features=20, n_classes=3,
                                          random_state=0)
    rows = [list(map(float, row)) for row in X]
    groups = np.repeat(np.array(["a", "b", "c", "d"]), 30)
    evaluated, extra_rows = rows[:120], rows[120:]
    extra = (extra_rows, Y[120:], np.repeat(np.array(["x"]), 40))

    def make_model():
        return ThresholdedMultiLabelClassifier(cv=3, random_state=0)

    with caplog.at_level(logging.INFO, logger="ethicsnlp.train"):
        result = cross_validate_views(make_model, evaluated, Y[:120], groups, cv=0, seed=0,
                                      extra=extra)
    assert result["proba"].shape == (120, 3)  # extra notes are never scored
    folds = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fold ")]
    assert len(folds) == 4  # cv=0: leave one group out
    assert all("130 training notes (40 of them training-only), 30 held out" in m for m in folds)
