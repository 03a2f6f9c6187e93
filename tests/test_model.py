import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification

from ethicsnlp.model import ThresholdedMultiLabelClassifier, best_threshold, fbeta_at_thresholds


def test_best_threshold_separable():
    y = np.array([0, 0, 0, 1, 1])
    proba = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    t = best_threshold(y, proba)
    assert 0.3 < t <= 0.8
    assert fbeta_at_thresholds(y, proba, 1.0).max() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(n_samples=300, n_features=30, n_classes=4, random_state=0)
    return X, Y


def test_fit_predict_shapes_and_ranges(data):
    X, Y = data
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert ((proba >= 0) & (proba <= 1)).all()
    assert clf.thresholds_.shape == (4,)
    assert clf.oof_proba_.shape == Y.shape
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    # Thresholds come from out-of-fold predictions, so they are never degenerate.
    assert ((clf.thresholds_ > 0.0) & (clf.thresholds_ < 1.0)).all()


def test_same_seed_same_model(data):
    X, Y = data
    a = ThresholdedMultiLabelClassifier(cv=3, random_state=7).fit(X, Y)
    b = ThresholdedMultiLabelClassifier(cv=3, random_state=7).fit(X, Y)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))


def test_groups_are_left_out_together(data):
    _X, Y = data
    groups = np.repeat(np.arange(6), 50)
    clf = ThresholdedMultiLabelClassifier(cv=3)
    splits = clf._splits(Y, groups)
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_single_class_label_is_refused(data):
    X, Y = data
    Y = Y.copy()
    Y[:, 0] = 0
    with pytest.raises(ValueError, match="only one class"):
        ThresholdedMultiLabelClassifier(cv=3).fit(X, Y)


def test_final_coefficients_are_32_bit_and_score_like_64_bit(data):
    from sklearn.svm import LinearSVC

    from ethicsnlp.model import store_coefficients_in_32_bits

    X, Y = data
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    assert all(est.coef_.dtype == np.float32 for est in clf.estimators_)
    full = LinearSVC(C=1.0, class_weight="balanced").fit(X, Y[:, 0])
    reference = full.decision_function(X)
    small = store_coefficients_in_32_bits(full)
    assert small.coef_.dtype == np.float32
    scores = small.decision_function(X)
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, reference, rtol=1e-5, atol=1e-6)


def test_estimator_without_coefficients_is_unchanged():
    from sklearn.tree import DecisionTreeClassifier

    from ethicsnlp.model import store_coefficients_in_32_bits

    tree = DecisionTreeClassifier()
    assert store_coefficients_in_32_bits(tree) is tree
    assert not hasattr(tree, "coef_")
