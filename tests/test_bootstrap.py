"""Bootstrap intervals: coverage of the point estimate, determinism, pairing."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from ethicsnlp.bootstrap import (
    f1_from_counts,
    metric_intervals,
    paired_f1_difference,
    resample_weights,
    weighted_counts,
)
from ethicsnlp.taxonomy import LABEL_IDS


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    Y = (rng.random((300, 10)) < 0.15).astype(int)
    noise = rng.random((300, 10)) < 0.1
    pred = np.where(noise, 1 - Y, Y)
    return Y, pred


def test_weights_are_resamples_of_n_notes():
    chunks = list(resample_weights(40, 120, seed=3, chunk=50))
    assert [c.shape for c in chunks] == [(50, 40), (50, 40), (20, 40)]
    assert all((c.sum(axis=1) == 40).all() for c in chunks)
    again = np.concatenate(list(resample_weights(40, 120, seed=3, chunk=50)))
    assert np.array_equal(np.concatenate(chunks), again)


def test_unit_weights_reproduce_sklearn_f1(data):
    Y, pred = data
    f1 = f1_from_counts(*weighted_counts(np.ones((1, len(Y))), Y, pred))[0]
    expected = f1_score(Y, pred, average=None, zero_division=0)
    assert np.allclose(f1, expected)


def test_intervals_cover_point_estimates_and_are_seeded(data):
    Y, pred = data
    result = metric_intervals(Y, pred, n_boot=200, seed=0)
    assert set(result["per_label"]) == set(LABEL_IDS)
    point = f1_score(Y, pred, average=None, zero_division=0)
    for j, label in enumerate(LABEL_IDS):
        lo, hi = result["per_label"][label]["f1"]
        assert 0 <= lo <= point[j] <= hi <= 1
        s_lo, s_hi = result["per_label"][label]["support"]
        assert s_lo <= Y[:, j].sum() <= s_hi
    macro = f1_score(Y, pred, average="macro", zero_division=0)
    assert result["macro_f1"][0] <= macro <= result["macro_f1"][1]
    assert result == metric_intervals(Y, pred, n_boot=200, seed=0)
    assert result != metric_intervals(Y, pred, n_boot=200, seed=1)


def test_paired_difference_is_zero_for_identical_models(data):
    Y, pred = data
    result = paired_f1_difference(Y, pred, pred, n_boot=100, seed=0)
    assert result["macro"] == {"diff": 0.0, "ci": [0.0, 0.0]}
    assert all(e["ci"] == [0.0, 0.0] for e in result["per_label"].values())


def test_paired_difference_detects_a_clearly_better_model(data):
    Y, pred = data
    result = paired_f1_difference(Y, pred, Y, n_boot=200, seed=0)  # B is perfect
    for label in LABEL_IDS:
        entry = result["per_label"][label]
        assert entry["diff"] > 0 and entry["ci"][0] > 0
    assert result["macro"]["ci"][0] > 0
