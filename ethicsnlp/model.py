"""The multi-label classifier: one linear model per label, calibrated
probabilities and per-label decision thresholds tuned on out-of-fold predictions.

:class:`ThresholdedMultiLabelClassifier` does, for each label, what
``TunedThresholdClassifierCV(CalibratedClassifierCV(..., ensemble=False))`` does,
but from a single out-of-fold pass (instead of one pass each), which halves the
training cost:

1. out-of-fold decision scores of the base estimator, with a group-aware
   splitter when groups are given (so thresholds are tuned on notes from
   settings the fold did not train on);
2. a sigmoid (Platt) calibrator fitted on those scores;
3. the threshold on calibrated probabilities that maximises F-beta on them;
4. the base estimator refitted on all the data.

With ``issue_gate``, one more classifier of the same kind learns whether a note has any
issue at all; a note whose probability of any issue falls below a threshold tuned on
the same out-of-fold pass has every flag withdrawn (its scores are lowered to just
under each label's threshold, see :meth:`ThresholdedMultiLabelClassifier.predict_proba`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from ethicsnlp.errors import DataError
from ethicsnlp.features import NoteAnalyzer, build_features
from ethicsnlp.taxonomy import LABEL_IDS

log = logging.getLogger(__name__)

THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 91), 4)

ISSUE_GATE_GRID = np.round(np.arange(0.0, 0.605, 0.02), 2)
"""Issue-gate thresholds tried (0 withdraws nothing): the gate only withdraws flags
from notes the "any issue" classifier finds unlikely to have one."""


def fbeta_at_thresholds(
    y: np.ndarray, proba: np.ndarray, beta: float, grid: np.ndarray = THRESHOLD_GRID
) -> np.ndarray:
    """F-beta of ``proba >= t`` against ``y`` for every ``t`` in ``grid``."""
    y = np.asarray(y).astype(bool)
    pred = proba[None, :] >= grid[:, None]
    tp = (pred & y).sum(1)
    fp = (pred & ~y).sum(1)
    fn = (~pred & y).sum(1)
    b2 = beta * beta
    denom = (1 + b2) * tp + b2 * fn + fp
    return np.where(denom > 0, (1 + b2) * tp / np.maximum(denom, 1), 0.0)


def best_threshold(y: np.ndarray, proba: np.ndarray, beta: float = 1.0) -> float:
    """The threshold maximising F-beta; ties go to the middle of the best plateau."""
    scores = fbeta_at_thresholds(y, proba, beta)
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(THRESHOLD_GRID[best[len(best) // 2]])


def _fit_one_label(base, X, y, splits, beta):
    scores = cross_val_predict(clone(base), X, y, cv=splits, method="decision_function")
    calibrator = LogisticRegression(C=1e4, solver="lbfgs")
    calibrator.fit(scores.reshape(-1, 1), y)
    oof_proba = calibrator.predict_proba(scores.reshape(-1, 1))[:, 1]
    threshold = best_threshold(y, oof_proba, beta)
    fitted = store_coefficients_in_32_bits(clone(base).fit(X, y))
    return fitted, calibrator, threshold, oof_proba


def _refuse_one_class(
    y: np.ndarray, splits: list, column: int, where: str, split_name: str
) -> None:
    """A :class:`OneClassError` when ``y`` is all 0 or all 1, overall or in the
    training part of any of ``splits``, where a classifier must be fitted."""
    if y.min() == y.max():
        raise OneClassError(column, where)
    for train_rows, _ in splits:
        if y[train_rows].min() == y[train_rows].max():
            raise OneClassError(column, f"a fold of {split_name}")


def to_threshold_scale(proba: np.ndarray, source: float, target: float) -> np.ndarray:
    """Map probabilities monotonically (piecewise linear, 0 -> 0, ``source`` ->
    ``target``, 1 -> 1), so that ``proba >= source`` exactly when the result is
    ``>= target`` (up to rounding)."""
    proba = np.asarray(proba, dtype=float)
    below = proba * (target / source)
    above = target + (proba - source) * ((1.0 - target) / (1.0 - source))
    return np.where(proba < source, np.minimum(below, np.nextafter(target, 0)), above)


def tune_issue_threshold(
    Y: np.ndarray, flags: np.ndarray, issue_proba: np.ndarray, grid: np.ndarray = ISSUE_GATE_GRID
) -> float:
    """The issue-gate threshold whose gate (flags kept only where ``issue_proba`` reaches
    it) gives the best macro F1 of ``flags`` against ``Y``, F1 rounded to 4 places; the
    lowest such threshold, so ties withdraw the fewest flags."""
    Y, flags = np.asarray(Y), np.asarray(flags)
    scores = [
        round(f1_score(Y, flags * (issue_proba >= c)[:, None], average="macro", zero_division=0), 4)
        for c in grid
    ]
    return float(grid[int(np.argmax(scores))])


def gated_counts(Y: np.ndarray, gate: int, target: int) -> tuple[int, int]:
    """How many notes carrying label column ``gate`` carry ``target``, and how many do not."""
    Y = np.asarray(Y)
    among = Y[Y[:, gate] == 1, target]
    return int(among.sum()), int(len(among) - among.sum())


def _calibrated_proba(fitted, calibrator, X) -> np.ndarray:
    """A fitted binary classifier's Platt-calibrated probability for each row of ``X``."""
    return calibrator.predict_proba(fitted.decision_function(X).reshape(-1, 1))[:, 1]


def _take_rows(X, rows: np.ndarray):
    """Rows of a feature matrix (sparse, dense or DataFrame)."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if hasattr(X, "tocsr") and not hasattr(X, "indptr"):
        X = X.tocsr()
    return X[rows]


def store_coefficients_in_32_bits(estimator):
    """Cast a fitted linear model's ``coef_`` to float32, in place; return it.

    The coefficients (one per n-gram per label) are the largest arrays of the model;
    32 bits halve them, in the model file and in memory, at a relative rounding of
    about 1e-7 in each score. Scores stay float64 (sparse float64 features times
    float32 weights). Estimators without ``coef_`` are returned unchanged.
    """
    coef = getattr(estimator, "coef_", None)
    if isinstance(coef, np.ndarray) and coef.dtype == np.float64:
        estimator.coef_ = coef.astype(np.float32)
    return estimator


class OneClassError(ValueError):
    """A label column is all 0 or all 1 where a classifier must be fitted."""

    def __init__(self, column: int, where: str) -> None:
        self.column, self.where = column, where
        super().__init__(f"label column {column} has only one class in {where}")


class ThresholdedMultiLabelClassifier(ClassifierMixin, BaseEstimator):
    """One calibrated, threshold-tuned binary classifier per label.

    Parameters
    ----------
    estimator:
        Binary classifier with ``decision_function`` (default: a linear SVM).
    cv:
        Number of folds for the out-of-fold pass.
    beta:
        F-beta weight used to pick thresholds (beta > 1 favours recall).
    random_state:
        Seed for the fold assignment when no groups are given.
    n_jobs:
        Labels fitted in parallel with joblib.
    conditional:
        ``(gate, target)`` label-column pairs. For each, a second classifier is fitted
        on the notes carrying ``gate`` only, to predict ``target`` among them; on notes
        the main model flags ``gate`` its probability replaces the main one for
        ``target``, mapped so that its own tuned threshold lands on ``target``'s (a
        flag stays "probability at or above the label's threshold"). Empty (the
        default): no second classifiers. See docs/experiments.md for the measured case,
        ``exploitation`` given ``dual_relationship``.
    conditional_min_notes:
        A pair is fitted only when its ``gate`` notes hold at least this many notes
        with ``target`` and this many without (otherwise it is skipped and logged, and
        the main model decides ``target`` everywhere); 0 (the default) fits every pair,
        and a pair whose ``gate`` notes are all one class for ``target`` is an error.
    issue_gate:
        Also fit an "any issue" classifier (the same estimator, inner split and
        calibration, on "the note carries at least one label") and tune, on the
        out-of-fold flags of the label classifiers, the issue threshold
        (``issue_threshold_``, from :data:`ISSUE_GATE_GRID`) below which a note's
        flags are all withdrawn. Skipped (threshold 0, logged) when every note, or
        none, carries a label. Off by default here; :func:`build_model` turns it on.
        See docs/experiments.md.
    """

    def __init__(
        self,
        estimator=None,
        cv: int = 5,
        beta: float = 1.0,
        random_state: int = 0,
        n_jobs: int | None = None,
        conditional: tuple[tuple[int, int], ...] = (),
        conditional_min_notes: int = 0,
        issue_gate: bool = False,
    ) -> None:
        self.estimator = estimator
        self.cv = cv
        self.beta = beta
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.conditional = conditional
        self.conditional_min_notes = conditional_min_notes
        self.issue_gate = issue_gate

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a saved model, giving one saved by an older release the attributes
        added since, with the values that keep its old behaviour (so it scores as
        before and ``get_params``/``clone`` work)."""
        added_later = {
            "conditional": (),
            "conditional_min_notes": 0,
            "conditional_": [],
            "issue_gate": False,
            "issue_": None,
            "issue_threshold_": 0.0,
        }
        super().__setstate__({**added_later, **state})

    def _base(self):
        if self.estimator is not None:
            return self.estimator
        return LinearSVC(C=1.0, class_weight="balanced")

    def _splits(self, Y: np.ndarray, groups: Sequence | None) -> list:
        n = Y.shape[0]
        if groups is not None and len(set(groups)) >= self.cv:
            return list(GroupKFold(n_splits=self.cv).split(np.zeros(n), Y[:, 0], groups))
        # No usable groups: stratify on "has any label" so every fold sees both kinds.
        strata = Y.any(axis=1).astype(int)
        splitter = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        return list(splitter.split(np.zeros(n), strata))

    def fit(self, X, Y, groups: Sequence | None = None) -> ThresholdedMultiLabelClassifier:
        """Fit one model per column of the 0/1 matrix ``Y``.

        ``groups`` (e.g. the setting of each note) makes the out-of-fold pass
        leave whole groups out, which gives honest thresholds for new settings.
        """
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError("Y must be a 2-D 0/1 matrix (n_samples, n_labels)")
        splits = self._splits(Y, groups)
        for j in range(Y.shape[1]):
            _refuse_one_class(
                Y[:, j], splits, j, "the training data", "the inner threshold-tuning split"
            )
        targets = [Y[:, j] for j in range(Y.shape[1])]
        any_issue = Y.any(axis=1).astype(int)
        gate_fitted = self.issue_gate and self._issue_gate_possible(any_issue, splits)
        if gate_fitted:
            targets.append(any_issue)  # fitted alongside the labels, in the same pool
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one_label)(self._base(), X, y, splits, self.beta) for y in targets
        )
        self.issue_, self.issue_threshold_ = None, 0.0
        if gate_fitted:
            fitted, calibrator, _, issue_oof = results.pop()
            self.issue_ = (fitted, calibrator)
        self.estimators_ = [r[0] for r in results]
        self.calibrators_ = [r[1] for r in results]
        self.thresholds_ = np.array([r[2] for r in results])
        self.oof_proba_ = np.column_stack([r[3] for r in results])
        self.n_labels_ = Y.shape[1]
        if gate_fitted:
            flags = (self.oof_proba_ >= self.thresholds_).astype(int)
            self.issue_threshold_ = tune_issue_threshold(Y, flags, issue_oof)
        self.conditional_ = [
            self._fit_conditional(X, Y, groups, gate, target)
            for gate, target in self.conditional
            if self._enough_for_second(Y, gate, target)
        ]
        return self

    @staticmethod
    def _issue_gate_possible(any_issue: np.ndarray, splits: list) -> bool:
        """Whether "any issue" has both classes overall and in every inner training
        part (logged when not: the gate is skipped)."""
        try:
            _refuse_one_class(any_issue, splits, -1, "the training data", "the inner split")
        except OneClassError as error:
            log.info("no issue gate: every note, or none, carries a label in %s", error.where)
            return False
        return True

    def _enough_for_second(self, Y: np.ndarray, gate: int, target: int) -> bool:
        """Whether the ``gate`` notes hold ``conditional_min_notes`` notes with and
        without ``target`` (logged when they do not)."""
        fewest = min(gated_counts(Y, gate, target))
        if fewest >= self.conditional_min_notes:
            return True
        log.info(
            "no second classifier for label column %d: the notes carrying column %d hold "
            "%d of its rarer class, fewer than %d",
            target,
            gate,
            fewest,
            self.conditional_min_notes,
        )
        return False

    def _fit_conditional(
        self, X, Y: np.ndarray, groups: Sequence | None, gate: int, target: int
    ) -> tuple[int, int, Any, Any, float]:
        """The second classifier for ``target`` among the notes carrying ``gate``."""
        rows = np.flatnonzero(Y[:, gate] == 1)
        y = Y[rows, target]
        where = f"the notes carrying label column {gate}"
        if len(rows) == 0:
            raise OneClassError(target, where)
        sub_groups = None if groups is None else np.asarray(groups)[rows]
        splits = self._splits(Y[rows], sub_groups)
        _refuse_one_class(y, splits, target, where, f"the inner split of {where}")
        fitted, calibrator, threshold, _ = _fit_one_label(
            self._base(), _take_rows(X, rows), y, splits, self.beta
        )
        return gate, target, fitted, calibrator, threshold

    def decision_function(self, X) -> np.ndarray:
        """Raw linear scores, one column per label."""
        check_is_fitted(self, "estimators_")
        return np.column_stack([est.decision_function(X) for est in self.estimators_])

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per label (shape ``(n, n_labels)``);
        with ``conditional`` pairs, gated notes carry the second classifier's
        probability for the target, on the target threshold's scale. With the issue
        gate, each label's score on a row whose :meth:`issue_proba` is below
        ``issue_threshold_`` is lowered to at most that probability mapped onto the
        label threshold's scale, just under the threshold: no flag, and such rows still
        rank by both scores."""
        proba = self._gated(self._main_proba(X), X)
        return self._issue_gated(proba, self.issue_proba(X))

    def proba_and_conditional(self, X) -> tuple[np.ndarray, dict[tuple[int, int], np.ndarray]]:
        """The label scores of :meth:`predict_proba` before the issue gate, and
        :meth:`conditional_proba`, in one pass (the second classifiers score every row
        once). Used to rank a flagged note's sentences, each on its own label's score."""
        second = self.conditional_proba(X)
        return self._gated(self._main_proba(X), X, second), second

    def issue_proba(self, X) -> np.ndarray | None:
        """The issue gate's calibrated probability that each row has any issue, or
        ``None`` when the model has no issue gate."""
        if getattr(self, "issue_", None) is None:
            return None
        return _calibrated_proba(*self.issue_, X)

    def _issue_gated(self, proba: np.ndarray, issue: np.ndarray | None) -> np.ndarray:
        """``proba`` with the rows below the issue threshold held under every label's
        threshold (see :meth:`predict_proba`)."""
        if issue is None or self.issue_threshold_ <= 0:
            return proba
        below = np.flatnonzero(issue < self.issue_threshold_)
        if len(below):
            capped = to_threshold_scale(issue[below, None], self.issue_threshold_, self.thresholds_)
            proba[below] = np.minimum(proba[below], capped)
        return proba

    def _main_proba(self, X) -> np.ndarray:
        """The main classifiers' calibrated probabilities, one column per label."""
        scores = self.decision_function(X)
        return np.column_stack(
            [cal.predict_proba(scores[:, [j]])[:, 1] for j, cal in enumerate(self.calibrators_)]
        )

    def _gated(
        self, main: np.ndarray, X, second: dict[tuple[int, int], np.ndarray] | None = None
    ) -> np.ndarray:
        """``main`` with each pair's target replaced, on the rows the main model flags
        for the gate, by the second classifier's probability (taken from ``second``
        when given, else scored on those rows of ``X``)."""
        proba = main.copy()
        for entry in getattr(self, "conditional_", []):
            gate, target = entry[:2]
            gated = np.flatnonzero(main[:, gate] >= self.thresholds_[gate])
            if not len(gated):
                continue
            if second is None:
                proba[gated, target] = self._second_proba(entry, _take_rows(X, gated))
            else:
                proba[gated, target] = second[(gate, target)][gated]
        return proba

    def _second_proba(self, entry: tuple, X) -> np.ndarray:
        """A second classifier's probabilities of its target for the rows of ``X``, on
        the target threshold's scale."""
        _, target, fitted, calibrator, threshold = entry
        p = _calibrated_proba(fitted, calibrator, X)
        return to_threshold_scale(p, threshold, self.thresholds_[target])

    def conditional_proba(self, X) -> dict[tuple[int, int], np.ndarray]:
        """For each ``(gate, target)`` pair, every row's second-classifier probability of
        ``target``, on the target threshold's scale, whether or not the row is gated
        (used to rank the sentences of a gated note)."""
        return {
            (entry[0], entry[1]): self._second_proba(entry, X)
            for entry in getattr(self, "conditional_", [])
        }

    def predict(self, X) -> np.ndarray:
        """0/1 matrix: probability at or above each label's tuned threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)


DEFAULT_CONDITIONAL: tuple[tuple[str, str], ...] = (("exploitation", "dual_relationship"),)
"""``(target, gate)`` label ids the project model decides with a second classifier:
``exploitation`` on notes flagged ``dual_relationship``, where the guide's line
between the two (who gains) is learnt poorly from all notes (docs/experiments.md)."""

MIN_SECOND_CLASSIFIER_NOTES = 50
"""Fewest gate notes with, and without, the target for a default second classifier to
be fitted (fewer, and the main model decides the target alone)."""


def conditional_columns(pairs: Sequence[Sequence[str]]) -> tuple[tuple[int, int], ...]:
    """``(target, gate)`` label ids as the classifier's ``(gate, target)`` columns (a
    :class:`DataError` for anything but two different label ids)."""
    columns = []
    for pair in pairs:
        if len(pair) != 2 or not all(label in LABEL_IDS for label in pair) or pair[0] == pair[1]:
            raise DataError(
                f"--conditional takes TARGET:GATE, two different label ids, got "
                f"{':'.join(map(str, pair))!r}"
            )
        target, gate = pair
        columns.append((LABEL_IDS.index(gate), LABEL_IDS.index(target)))
    return tuple(columns)


def default_conditional() -> tuple[tuple[int, int], ...]:
    """:data:`DEFAULT_CONDITIONAL` as the classifier's ``(gate, target)`` columns."""
    return conditional_columns(DEFAULT_CONDITIONAL)


def build_model(
    *,
    seed: int = 0,
    C: float = 1.0,
    beta: float = 1.0,
    cv: int = 5,
    n_jobs: int | None = None,
    batch_size: int = 64,
    conditional: tuple[tuple[int, int], ...] | None = None,
    issue_gate: bool = True,
) -> Pipeline:
    """The project's model: spaCy analysis -> features -> thresholded linear SVMs
    (one per label, class-balanced, Platt-calibrated on out-of-fold scores), with
    second classifiers for ``conditional`` ``(gate, target)`` label-column pairs (see
    :class:`ThresholdedMultiLabelClassifier`); ``None`` means
    :data:`DEFAULT_CONDITIONAL`, each pair skipped when its gate notes hold fewer than
    :data:`MIN_SECOND_CLASSIFIER_NOTES` notes of either class; ``()`` none; pairs
    given are always fitted. ``issue_gate`` (on by default) adds the "any issue"
    gate."""
    return Pipeline(
        [
            ("analyze", NoteAnalyzer(batch_size=batch_size)),
            ("features", build_features()),
            (
                "classify",
                ThresholdedMultiLabelClassifier(
                    LinearSVC(C=C, class_weight="balanced", random_state=seed),
                    cv=cv,
                    beta=beta,
                    random_state=seed,
                    n_jobs=n_jobs,
                    conditional=default_conditional() if conditional is None else conditional,
                    conditional_min_notes=MIN_SECOND_CLASSIFIER_NOTES if conditional is None else 0,
                    issue_gate=issue_gate,
                ),
            ),
        ]
    )
