"""Training with honest, grouped cross-validation, and the model folder it writes."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ethicsnlp.baselines import build_peer
from ethicsnlp.data import (
    DEFAULT_COLUMNS,
    Columns,
    file_sha256,
    frame_sha256,
    label_matrix,
    read_many,
)
from ethicsnlp.errors import DataError, ModelError
from ethicsnlp.features import NoteAnalyzer
from ethicsnlp.fingerprints import (
    FINGERPRINT_FILE,
    fingerprints_text,
    note_fingerprint,
    read_fingerprints,
)
from ethicsnlp.grouping import (
    label_missing_from_a_fold,
    note_groups,
    one_class_message,
    outer_splits,
)
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.model import (
    DEFAULT_CONDITIONAL,
    MIN_SECOND_CLASSIFIER_NOTES,
    OneClassError,
    build_model,
    conditional_columns,
    gated_counts,
)
from ethicsnlp.persist import CARD_FILE, check_model_output, save_model_folder, verify_checksums
from ethicsnlp.taxonomy import LABEL_IDS
from ethicsnlp.versions import library_versions

log = logging.getLogger(__name__)


def fit_predict(
    model: Any, X_train, Y_train, g_train, X_test
) -> tuple[np.ndarray, np.ndarray]:
    """Fit a fresh ``model`` on one fold; return held-out probabilities and the
    per-label thresholds."""
    if isinstance(model, Pipeline):
        model.fit(X_train, Y_train, classify__groups=g_train)
        thresholds = model.named_steps["classify"].thresholds_
    else:
        model.fit(X_train, Y_train, groups=g_train)
        thresholds = model.thresholds_
    return model.predict_proba(X_test), np.asarray(thresholds, dtype=float)


def withdrawn_by_issue_gate(model: Any, X_test, proba: np.ndarray) -> np.ndarray:
    """0/1 matrix like ``proba``: the flags of fitted ``model`` (a project pipeline or
    classifier) on ``X_test`` that the issue gate withdrew (label score at or above
    its threshold before the gate, ``proba`` under it after); all 0 without a gate."""
    classifier = model.named_steps["classify"] if isinstance(model, Pipeline) else model
    if getattr(classifier, "issue_", None) is None:
        return np.zeros(proba.shape, dtype=int)
    features = model[:-1].transform(X_test) if isinstance(model, Pipeline) else X_test
    before, _ = classifier.proba_and_conditional(features)
    thresholds = classifier.thresholds_
    return ((before >= thresholds) & (proba < thresholds)).astype(int)


def _take(X: Any, idx: np.ndarray) -> Any:
    return (
        X.iloc[idx].reset_index(drop=True) if isinstance(X, pd.DataFrame) else [X[i] for i in idx]
    )


def concat_rows(a: Any, b: Any) -> Any:
    """Rows of ``b`` after those of ``a`` (DataFrames of views, or lists of texts)."""
    return pd.concat([a, b], ignore_index=True) if isinstance(a, pd.DataFrame) else [*a, *b]


def with_extra(
    X: Any, Y: np.ndarray, groups: np.ndarray | None, extra: tuple | None
) -> tuple[Any, np.ndarray, np.ndarray | None]:
    """Training rows plus ``extra`` = ``(X_extra, Y_extra, groups_extra)`` (if any);
    groups are kept only when both sides have them."""
    if extra is None:
        return X, Y, groups
    if groups is not None and extra[2] is not None:
        groups = np.concatenate([groups, extra[2]])
    return concat_rows(X, extra[0]), np.vstack([Y, extra[1]]), groups


def cross_validate_views(
    make_model,
    X: Any,
    Y: np.ndarray,
    groups: np.ndarray | None,
    *,
    cv: int,
    seed: int,
    extra: tuple[Any, np.ndarray, np.ndarray | None] | None = None,
) -> dict[str, Any]:
    """Out-of-fold probabilities and flags of ``make_model()`` under grouped CV.

    ``X`` is whatever the model's first step takes (feature views or raw texts).
    ``extra`` = ``(X_extra, Y_extra, groups_extra)`` are notes added to every
    training fold and never evaluated, so figures stay comparable with and
    without them. Returns ``{"proba", "pred", "thresholds" (each note's fold
    thresholds), "withdrawn" (flags the issue gate withdrew, see
    :func:`withdrawn_by_issue_gate`), "metrics", "per_group", "splits",
    "fit_seconds"}``.
    """
    splits, description = outer_splits(Y, groups, cv, seed)
    proba = np.zeros(Y.shape, dtype=float)
    fold_thresholds = np.zeros(Y.shape, dtype=float)
    withdrawn = np.zeros(Y.shape, dtype=int)
    started = time.perf_counter()
    for k, (train_idx, test_idx) in enumerate(splits, start=1):
        X_train, Y_train, g_train = with_extra(
            _take(X, train_idx),
            Y[train_idx],
            groups[train_idx] if groups is not None else None,
            extra,
        )
        log.info(
            "fold %d/%d: %d training notes (%d of them training-only), %d held out",
            k,
            len(splits),
            len(Y_train),
            len(Y_train) - len(train_idx),
            len(test_idx),
        )
        model, X_test = make_model(), _take(X, test_idx)
        proba[test_idx], fold_thresholds[test_idx] = fit_predict(
            model, X_train, Y_train, g_train, X_test
        )
        withdrawn[test_idx] = withdrawn_by_issue_gate(model, X_test, proba[test_idx])
    seconds = time.perf_counter() - started
    pred = (proba >= fold_thresholds).astype(int)
    metrics = flag_metrics(Y, pred, proba)
    metrics["cv"] = description + (" (+ extra training-only notes)" if extra is not None else "")
    per_group = {}
    if groups is not None:
        for group in sorted(set(groups)):
            mask = groups == group
            per_group[str(group)] = flag_metrics(Y[mask], pred[mask])["macro_f1"]
    return {
        "proba": proba,
        "pred": pred,
        "thresholds": fold_thresholds,
        "withdrawn": withdrawn,
        "metrics": metrics,
        "per_group": per_group,
        "splits": description,
        "fit_seconds": round(seconds, 1),
    }


def _warn_about_unchecked_templates(input_columns: dict[str, list[str]]) -> None:
    """Warn for each training file that is a ``suggest`` template: its labels start as
    the model's own flags, which teach the model nothing unless a person checked them."""
    from ethicsnlp.suggest import SCORES_COLUMN

    for name, names in input_columns.items():
        if SCORES_COLUMN in names:
            log.warning(
                "%s is an `ethicsnlp suggest` template (it has a %s column): its labels "
                "start as the model's own flags; train on it only after a person has "
                "checked every row, then delete the %s column to mark it checked",
                name,
                SCORES_COLUMN,
                SCORES_COLUMN,
            )


def _check_folds_have_both_classes(
    Y: np.ndarray, evaluated: np.ndarray, groups: np.ndarray | None, cv: int, seed: int
) -> None:
    """Before any fitting: every outer fold's training notes (with the notes that join
    every fold) must hold each label and its absence, else a :class:`DataError`."""
    column = label_missing_from_a_fold(Y[evaluated], groups, cv, seed, Y[~evaluated])
    if column is not None:
        raise _one_class_error(
            column, "the training part of a cross-validation fold", "cross-validation"
        )


def _one_class_error(column: int, where: str, stage: str) -> DataError:
    """The error for a label with only one class where a classifier must be fitted."""
    return DataError(
        f"{one_class_message(LABEL_IDS[column], where)} during {stage}: its notes sit in "
        "too few groups. Add notes with this label from more settings, use fewer --cv "
        "folds, pick another --group-by, or skip cross-validation with --cv -1"
    )


@contextlib.contextmanager
def _one_class_as_data_error(stage: str) -> Iterator[None]:
    """Turn a label with only one class in some fold into a :class:`DataError` that
    names the label and what to do, instead of a traceback after hours of work."""
    try:
        yield
    except OneClassError as exc:
        raise _one_class_error(exc.column, exc.where, stage) from None


def train(
    data: Sequence[str | Path],
    output: str | Path,
    *,
    seed: int = 0,
    cv: int = 0,
    group_by: str = "prefix",
    compare_peer: bool = False,
    columns: Columns = DEFAULT_COLUMNS,
    parent: str | Path | None = None,
    n_jobs: int | None = None,
    cv_on: Sequence[str | Path] | None = None,
    overwrite: bool = False,
    conditional: Sequence[tuple[str, str]] | None = None,
    issue_gate: bool = True,
) -> dict[str, Any]:
    """Train the project model on ``data`` and write the model folder ``output``.

    ``cv`` folds of grouped cross-validation (0 = leave one group out, -1 = skip)
    measure the model on settings it did not train on; ``compare_peer`` adds the
    TF-IDF peer's figures on the same folds. ``cv_on`` limits the notes that are
    cross-validated to those files; the other files' notes join every training
    fold (so figures stay comparable with a model trained without them).
    ``output`` must be new or empty unless ``overwrite`` (checked before any work);
    the folder is replaced only when the new model is complete. ``conditional`` lists
    ``(target, gate)`` label-id pairs: ``target`` is decided, on notes flagged ``gate``,
    by a second classifier trained on the ``gate`` notes only (see
    :class:`~ethicsnlp.model.ThresholdedMultiLabelClassifier`); ``None`` (the default)
    means :data:`~ethicsnlp.model.DEFAULT_CONDITIONAL`, skipped with a warning when the
    data are too few for it, ``()`` none. ``issue_gate`` (on by default) adds the "any
    issue" gate (:class:`~ethicsnlp.model.ThresholdedMultiLabelClassifier`), recorded
    in the card with its threshold. Returns the model card.
    """
    started = time.perf_counter()
    requested = conditional is not None
    pairs = conditional_columns(DEFAULT_CONDITIONAL if conditional is None else conditional)
    check_model_output(output, overwrite)
    if parent is not None:
        if not Path(parent).is_dir():
            raise ModelError(f"{parent}: --parent is not a model folder")
        verify_checksums(Path(parent))
    frame = read_many(data, columns=columns, require_labels=True)
    _warn_about_unchecked_templates(frame.attrs.get("input_columns", {}))
    Y = label_matrix(frame)
    for j, label in enumerate(LABEL_IDS):
        positives = int(Y[:, j].sum())
        if positives < 2 or positives > len(Y) - 2:
            raise DataError(
                f"label {label!r} needs at least 2 positive and 2 negative notes "
                f"to train (has {positives} of {len(Y)})"
            )
    pairs = _pairs_with_enough_notes(Y, pairs, requested)
    groups = note_groups(frame, group_by)
    texts = frame["text"].tolist()
    log.info("analysing %d notes with the spaCy pipeline", len(texts))
    analyzer = NoteAnalyzer()
    views = analyzer.transform(texts)

    def make_model() -> Pipeline:
        full = build_model(seed=seed, n_jobs=n_jobs, conditional=pairs, issue_gate=issue_gate)
        return Pipeline(full.steps[1:])

    card: dict[str, Any] = {"name": Path(output).name, "labels": list(LABEL_IDS)}
    if cv >= 0:
        evaluated = np.ones(len(frame), dtype=bool)
        if cv_on:
            names = {Path(p).name for p in cv_on}
            unknown = names - set(frame["source"])
            if unknown:
                raise DataError(
                    f"--cv-on names files that are not training data: {', '.join(sorted(unknown))}"
                )
            evaluated = frame["source"].isin(names).to_numpy()
        rest = ~evaluated
        g_eval = groups[evaluated] if groups is not None else None
        _check_folds_have_both_classes(Y, evaluated, g_eval, cv, seed)

        def cross_validate(make: Any, X: Any) -> dict[str, Any]:
            """Grouped CV of ``make()`` on the evaluated notes; the rest join every fold."""
            extra = None
            if rest.any():
                extra = (
                    _take(X, np.flatnonzero(rest)),
                    Y[rest],
                    groups[rest] if groups is not None else None,
                )
            return cross_validate_views(
                make,
                _take(X, np.flatnonzero(evaluated)),
                Y[evaluated],
                g_eval,
                cv=cv,
                seed=seed,
                extra=extra,
            )

        with _one_class_as_data_error("cross-validation"):
            result = cross_validate(make_model, views)
        card["cv_metrics"] = result["metrics"]
        card["cv_macro_f1_by_group"] = result["per_group"]
        card["cv_data"] = sorted(set(frame["source"][evaluated]))
        if compare_peer:
            with _one_class_as_data_error("the peer's cross-validation"):
                peer = cross_validate(lambda: build_peer(seed=seed, n_jobs=n_jobs), texts)
            card["peer_cv_metrics"] = peer["metrics"]
            card["peer_cv_macro_f1_by_group"] = peer["per_group"]
            card["peer_description"] = (
                "TF-IDF word 1-2 + char_wb 2-5 grams, the same linear "
                "classifier and per-label threshold tuning"
            )
    log.info("fitting the final model on all %d notes", len(texts))
    final = make_model()
    with _one_class_as_data_error("the final fit"):
        final.fit(views, Y, classify__groups=groups)
    pipeline = Pipeline([("analyze", analyzer), *final.steps])
    classifier = pipeline.named_steps["classify"]
    if classifier.conditional_:
        card["conditional"] = [
            {"target": LABEL_IDS[target], "gate": LABEL_IDS[gate]}
            for gate, target, *_ in classifier.conditional_
        ]
    if classifier.issue_ is not None:
        card["issue_gate"] = {"threshold": float(classifier.issue_threshold_)}
    card.update(
        {
            "thresholds": {
                label: float(t) for label, t in zip(LABEL_IDS, classifier.thresholds_, strict=True)
            },
            "training_data": {
                "files": [
                    {
                        "path": str(p),
                        "sha256": file_sha256(p),
                        "rows": int((frame["source"] == Path(p).name).sum()),
                    }
                    for p in data
                ],
                "sha256": frame_sha256(frame),
                "rows": len(frame),
                "label_counts": {label: int(Y[:, j].sum()) for j, label in enumerate(LABEL_IDS)},
                "no_label_rows": int((Y.sum(axis=1) == 0).sum()),
                "group_by": group_by,
                "groups": len(set(groups)) if groups is not None else 0,
            },
            "seed": seed,
            "versions": library_versions(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "train_seconds": round(time.perf_counter() - started, 1),
        }
    )
    if parent is not None:
        card["lineage"] = _lineage(Path(parent), frame)
    save_model_folder(output, pipeline, card, {FINGERPRINT_FILE: fingerprints_text(texts)})
    return card


def _pairs_with_enough_notes(
    Y: np.ndarray, pairs: tuple[tuple[int, int], ...], requested: bool
) -> tuple[tuple[int, int], ...]:
    """The ``(gate, target)`` pairs whose gate notes hold enough notes with and without
    the target for a second classifier: 2 of each when ``requested`` (``--conditional``;
    fewer is a :class:`DataError`), else :data:`MIN_SECOND_CLASSIFIER_NOTES` (fewer, and
    the pair is dropped with a warning)."""
    needed = 2 if requested else MIN_SECOND_CLASSIFIER_NOTES
    kept = []
    for gate, target in pairs:
        with_target, without = gated_counts(Y, gate, target)
        if min(with_target, without) >= needed:
            kept.append((gate, target))
            continue
        message = (
            f"a second classifier for {LABEL_IDS[target]!r} needs at least {needed} "
            f"{LABEL_IDS[gate]!r} notes with it and {needed} without (has {with_target} "
            f"with, {without} without)"
        )
        if requested:
            raise DataError(message)
        log.warning("%s; the main model decides it alone", message)
    return tuple(kept)


def _lineage(parent: Path, frame: pd.DataFrame) -> dict[str, Any]:
    """Parent model name, its data hash and rows, the difference in rows, and (when
    the parent recorded its training fingerprints) how many distinct notes this
    training adds to and drops from the parent's."""
    import json

    try:
        parent_card = json.loads((parent / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise ModelError(f"{parent}: --parent is not a readable model folder") from None
    parent_rows = int(parent_card.get("training_data", {}).get("rows", 0))
    return {
        "parent": str(parent),
        "parent_data_sha256": parent_card.get("training_data", {}).get("sha256"),
        "parent_rows": parent_rows,
        "rows_added": len(frame) - parent_rows,
        **_notes_added_and_dropped(parent, frame["text"]),
    }


def _notes_added_and_dropped(parent: Path, texts: Iterable[str]) -> dict[str, int | None]:
    """Distinct notes (by fingerprint) new to this training and parent notes no longer
    in it; ``None`` for both when the parent has no fingerprint file. Unlike
    ``rows_added``, a note relabelled or moved between files counts as neither."""
    known = read_fingerprints(parent)
    if known is None:
        return {"notes_added": None, "notes_dropped": None}
    current = {note_fingerprint(text) for text in texts}
    return {"notes_added": len(current - known), "notes_dropped": len(known - current)}
