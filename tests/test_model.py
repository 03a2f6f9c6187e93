import numpy as np
import pytest
from sklearn.base import clone
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


def test_threshold_scale_map_keeps_flags_and_order():
    from ethicsnlp.model import to_threshold_scale

    p = np.linspace(0, 1, 1001)
    mapped = to_threshold_scale(p, 0.3, 0.6)
    assert (np.diff(mapped) >= 0).all() and mapped[0] == 0 and mapped[-1] == pytest.approx(1)
    np.testing.assert_array_equal(mapped >= 0.6, p >= 0.3)


def test_conditional_classifier_decides_the_target_on_gated_notes_only(data):
    X, Y = data
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, conditional=((0, 1),)).fit(X, Y)
    (gate, target, fitted, calibrator, threshold), = clf.conditional_
    assert (gate, target) == (0, 1) and 0 < threshold < 1
    main, proba = plain.predict_proba(X), clf.predict_proba(X)
    np.testing.assert_array_equal(clf.thresholds_, plain.thresholds_)
    gated = main[:, 0] >= clf.thresholds_[0]
    assert gated.any() and (~gated).any()
    # only the target column of gated notes changes
    np.testing.assert_allclose(np.delete(proba, 1, axis=1), np.delete(main, 1, axis=1))
    np.testing.assert_allclose(proba[~gated, 1], main[~gated, 1])
    assert not np.allclose(proba[gated, 1], main[gated, 1])
    # conditional_proba gives the same values, for every row
    np.testing.assert_allclose(clf.conditional_proba(X)[(0, 1)][gated], proba[gated, 1])
    # flags on gated notes are the second classifier's own decisions
    second = calibrator.predict_proba(fitted.decision_function(X[gated]).reshape(-1, 1))[:, 1]
    np.testing.assert_array_equal(proba[gated, 1] >= clf.thresholds_[1], second >= threshold)


def test_conditional_target_with_one_class_among_gated_notes_is_refused(data):
    X, Y = data
    Y = Y.copy()
    Y[Y[:, 0] == 1, 1] = 1  # every note carrying label 0 carries label 1 too
    with pytest.raises(ValueError, match="only one class in the notes carrying label column 0"):
        ThresholdedMultiLabelClassifier(cv=3, conditional=((0, 1),)).fit(X, Y)


def _safe_skops_round_trip(clf):
    """``clf`` saved and loaded with skops, trusting only the loader's allow-list; returns
    the loaded model and the types it needed."""
    import skops.io as sio

    from ethicsnlp.persist import is_allowed_type

    blob = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=blob)
    assert all(is_allowed_type(name) for name in untrusted)  # the loader's allow-list
    return sio.loads(blob, trusted=untrusted), untrusted


def test_conditional_classifier_survives_a_safe_skops_round_trip(data):
    import skops.io as sio


    X, Y = data
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, conditional=((0, 1),)).fit(X, Y)
    loaded, untrusted = _safe_skops_round_trip(clf)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    # a model saved before second classifiers existed loads without them, and its
    # parameters can be read and cloned
    for name in ("conditional_", "conditional", "conditional_min_notes"):
        delattr(clf, name)
    old = sio.loads(sio.dumps(clf), trusted=untrusted)
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    np.testing.assert_allclose(old.predict_proba(X), plain.predict_proba(X))
    assert old.get_params()["conditional"] == () and old.conditional_ == []
    assert clone(old).get_params() == clone(plain).get_params()


def test_a_pair_below_conditional_min_notes_is_skipped_and_the_main_model_decides(data):
    from ethicsnlp.model import gated_counts

    X, Y = data
    with_target, without = gated_counts(Y, 0, 1)
    assert with_target == int(((Y[:, 0] == 1) & (Y[:, 1] == 1)).sum())
    assert with_target + without == int(Y[:, 0].sum())
    fewest = min(with_target, without)
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    skipped = ThresholdedMultiLabelClassifier(
        cv=3, random_state=0, conditional=((0, 1),), conditional_min_notes=fewest + 1
    ).fit(X, Y)
    assert skipped.conditional_ == []
    np.testing.assert_allclose(skipped.predict_proba(X), plain.predict_proba(X))
    fitted = ThresholdedMultiLabelClassifier(
        cv=3, random_state=0, conditional=((0, 1),), conditional_min_notes=fewest
    ).fit(X, Y)
    assert [entry[:2] for entry in fitted.conditional_] == [(0, 1)]


def test_build_model_uses_the_default_pairs_unless_told_otherwise():
    from ethicsnlp.model import (
        DEFAULT_CONDITIONAL,
        MIN_SECOND_CLASSIFIER_NOTES,
        build_model,
        conditional_columns,
    )
    from ethicsnlp.taxonomy import LABEL_IDS

    assert DEFAULT_CONDITIONAL == (("exploitation", "dual_relationship"),)
    default = build_model().named_steps["classify"]
    gate, target = LABEL_IDS.index("dual_relationship"), LABEL_IDS.index("exploitation")
    assert default.conditional == ((gate, target),)
    assert default.conditional_min_notes == MIN_SECOND_CLASSIFIER_NOTES
    assert default.issue_gate
    assert not build_model(issue_gate=False).named_steps["classify"].issue_gate
    assert not ThresholdedMultiLabelClassifier().issue_gate  # off unless asked for
    none = build_model(conditional=()).named_steps["classify"]
    assert none.conditional == ()
    given = build_model(conditional=conditional_columns([("giving_advice", "boundary_violation")]))
    assert given.named_steps["classify"].conditional_min_notes == 0
    from ethicsnlp.errors import DataError

    with pytest.raises(DataError, match="--conditional takes TARGET:GATE"):
        conditional_columns([("exploitation", "exploitation")])


def test_proba_and_conditional_equals_the_two_calls(data):
    X, Y = data
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, conditional=((0, 1),)).fit(X, Y)
    proba, second = clf.proba_and_conditional(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    assert list(second) == [(0, 1)]
    np.testing.assert_array_equal(second[(0, 1)], clf.conditional_proba(X)[(0, 1)])
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    proba, second = plain.proba_and_conditional(X)
    assert second == {} and np.array_equal(proba, plain.predict_proba(X))


def test_tune_issue_threshold_picks_the_lowest_best_gate():
    from ethicsnlp.model import tune_issue_threshold

    Y = np.array([[1, 0], [0, 1], [0, 0], [0, 0]])
    flags = np.array([[1, 0], [0, 1], [1, 0], [0, 0]])  # row 2 is a false alarm
    issue = np.array([0.9, 0.7, 0.15, 0.05])
    # any gate above 0.15 and up to 0.7 removes the false alarm: the lowest is chosen
    assert tune_issue_threshold(Y, flags, issue) == pytest.approx(0.16)
    # nothing to gain: no gate
    assert tune_issue_threshold(Y, Y, issue) == 0.0


def test_issue_gate_withdraws_every_flag_below_its_threshold_and_nothing_else(data):
    X, Y = data
    assert (~Y.any(axis=1)).any()  # the data have notes without any label
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, issue_gate=True).fit(X, Y)
    np.testing.assert_array_equal(clf.thresholds_, plain.thresholds_)
    np.testing.assert_array_equal(clf.oof_proba_, plain.oof_proba_)
    assert clf.issue_ is not None and 0.0 <= clf.issue_threshold_ <= 0.6
    clf.issue_threshold_ = 0.5  # a gate that bites on these data, whatever was tuned
    issue, main, proba = clf.issue_proba(X), plain.predict_proba(X), clf.predict_proba(X)
    below = issue < 0.5
    assert below.any() and (~below).any()
    np.testing.assert_array_equal(proba[~below], main[~below])
    assert (proba[below] < clf.thresholds_).all() and (proba[below] <= main[below]).all()
    assert not clf.predict(X)[below].any()
    np.testing.assert_array_equal(clf.predict(X)[~below], plain.predict(X)[~below])
    # sentences of a flagged note are ranked on their labels' own scores, ungated
    np.testing.assert_array_equal(clf.proba_and_conditional(X)[0], main)


def test_issue_gate_is_skipped_when_every_note_carries_a_label(data, caplog):
    X, Y = data
    keep = Y.any(axis=1)
    with caplog.at_level("INFO", logger="ethicsnlp.model"):
        clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, issue_gate=True).fit(
            X[keep], Y[keep]
        )
    assert clf.issue_ is None and clf.issue_threshold_ == 0.0 and clf.issue_proba(X) is None
    assert "no issue gate" in caplog.text
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X[keep], Y[keep])
    np.testing.assert_array_equal(clf.predict_proba(X), plain.predict_proba(X))


def test_issue_gate_survives_a_safe_skops_round_trip_and_old_models_load_without(data):
    import skops.io as sio


    X, Y = data
    clf = ThresholdedMultiLabelClassifier(cv=3, random_state=0, issue_gate=True).fit(X, Y)
    clf.issue_threshold_ = 0.5
    loaded, untrusted = _safe_skops_round_trip(clf)
    assert loaded.issue_threshold_ == 0.5
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    for name in ("issue_gate", "issue_", "issue_threshold_"):
        delattr(clf, name)
    old = sio.loads(sio.dumps(clf), trusted=untrusted)
    plain = ThresholdedMultiLabelClassifier(cv=3, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(old.predict_proba(X), plain.predict_proba(X))
    assert old.get_params()["issue_gate"] is False and old.issue_proba(X) is None
