"""Error analysis of out-of-fold predictions: every false positive and false
negative with its evidence and the context marks the pipeline attached, grouped
by label and by a likely cause.

Causes (first that applies):

False positives
  ``negation missed``        a cue of the label is negated in the note, yet it was flagged
  ``hypothetical missed``    a cue of the label is hypothetical (question, policy, "if")
  ``actor wrong``            the label's cues belong to the client or a third party
  ``handled missed``         the note records handling (safety plan, release, report...)
  ``other label confusion``  the note carries another label (misconduct of another kind)
  ``vocabulary``             none of the above: wording the model associates with the label

False negatives
  ``issue gate``             the label's score reached its threshold, but the issue gate
                             found the note unlikely to hold any issue and withdrew it
  ``vocabulary not seen``    no cue of the label in the note: wording the rules and model lack
  ``context over-applied``   the label's cues were all marked negated, hypothetical or non-therapist
  ``weak signal``            affirmed therapist cues present, but the score stayed under threshold
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from spacy.tokens import Doc

from ethicsnlp.features import cue_state
from ethicsnlp.nlp.context import context_columns
from ethicsnlp.taxonomy import LABEL_IDS

FP_CAUSES = (
    "negation missed",
    "hypothetical missed",
    "actor wrong",
    "handled missed",
    "other label confusion",
    "vocabulary",
)
FN_CAUSES = ("issue gate", "vocabulary not seen", "context over-applied", "weak signal")


def _cue_summary(doc: Doc, label: str) -> list[dict]:
    """The label's cues: character offsets, cue words, context state, and whether the
    cue sits in a sentence that reports a refusal (``token._.refused``)."""
    refused = (context_columns(doc) or {}).get("refused")
    return [
        {
            "start": span.start_char,
            "end": span.end_char,
            "cue": span.text,
            "state": cue_state(span),
            "refused": bool(refused and any(refused[span.start : span.end])),
        }
        for span in doc.spans.get("cues", [])
        if span.label_ == label
    ]


def _has_handled(doc: Doc) -> bool:
    return any(not s._.negated and not s._.hypothetical for s in doc.spans.get("handled", []))


def false_positive_cause(doc: Doc, label: str, true_labels: Sequence[str]) -> str:
    """The likely cause of a false positive of ``label`` on ``doc``."""
    states = {c["state"] for c in _cue_summary(doc, label)}
    if "neg" in states:
        return "negation missed"
    if "hyp" in states:
        return "hypothetical missed"
    if states and states <= {"aff_client", "aff_other"}:
        return "actor wrong"
    if _has_handled(doc):
        return "handled missed"
    if true_labels:
        return "other label confusion"
    return "vocabulary"


def false_negative_cause(doc: Doc, label: str) -> str:
    """The likely cause of a missed ``label`` on ``doc``."""
    states = {c["state"] for c in _cue_summary(doc, label)}
    if not states:
        return "vocabulary not seen"
    if "aff_therapist" not in states:
        return "context over-applied"
    return "weak signal"


def analyse_errors(
    note_ids: Sequence[str],
    docs: Sequence[Doc],
    Y: np.ndarray,
    proba: np.ndarray,
    thresholds: np.ndarray | Sequence[float] | Sequence[np.ndarray],
    withdrawn: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per error: note_id, label, kind (FP/FN), probability, threshold,
    cause, and the label's cues with their context states and refusal marks (offsets,
    no text beyond the cue words). ``thresholds`` may be one row per note (per-fold
    thresholds of a cross-validation) or one value per label. ``withdrawn`` (0/1 like
    ``proba``, the ``"withdrawn"`` of
    :func:`~ethicsnlp.train.cross_validate_views`) marks the flags the issue gate
    withdrew: a miss among them has the cause ``issue gate``."""
    thresholds = np.asarray(thresholds, dtype=float)
    if thresholds.ndim == 1:
        thresholds = np.broadcast_to(thresholds, proba.shape)
    if withdrawn is None:
        withdrawn = np.zeros(proba.shape, dtype=int)
    rows = []
    for i, (note_id, doc) in enumerate(zip(note_ids, docs, strict=True)):
        true_labels = [LABEL_IDS[j] for j in np.flatnonzero(Y[i])]
        for j, label in enumerate(LABEL_IDS):
            flagged = proba[i, j] >= thresholds[i, j]
            if flagged == bool(Y[i, j]):
                continue
            kind = "FP" if flagged else "FN"
            if flagged:
                cause = false_positive_cause(doc, label, true_labels)
            elif withdrawn[i, j]:
                cause = "issue gate"
            else:
                cause = false_negative_cause(doc, label)
            rows.append(
                {
                    "note_id": note_id,
                    "label": label,
                    "kind": kind,
                    "probability": round(float(proba[i, j]), 4),
                    "threshold": round(float(thresholds[i, j]), 4),
                    "cause": cause,
                    "true_labels": ";".join(true_labels),
                    "cues": _cue_summary(doc, label),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "note_id",
            "label",
            "kind",
            "probability",
            "threshold",
            "cause",
            "true_labels",
            "cues",
        ],
    )


def cause_table(errors: pd.DataFrame) -> pd.DataFrame:
    """Counts of errors by label, kind and cause (a pivot for reports and notebooks)."""
    if errors.empty:
        return pd.DataFrame()
    return (
        errors.groupby(["label", "kind", "cause"])
        .size()
        .rename("errors")
        .reset_index()
        .pivot_table(index="label", columns=["kind", "cause"], values="errors", fill_value=0)
        .astype(int)
    )


def grouped_cv_errors(
    frame: pd.DataFrame, *, cv: int = 0, seed: int = 0, group_by: str = "prefix"
) -> tuple[pd.DataFrame, dict]:
    """Cross-validate the project model on labelled ``frame`` by group (setting)
    and return ``(errors, metrics)``: every out-of-fold error with its cause (see
    :func:`analyse_errors`) and the cross-validated metrics."""
    from sklearn.pipeline import Pipeline

    from ethicsnlp.data import label_matrix
    from ethicsnlp.errors import DataError
    from ethicsnlp.features import NoteAnalyzer
    from ethicsnlp.grouping import label_missing_from_a_fold, note_groups, one_class_message
    from ethicsnlp.model import build_model
    from ethicsnlp.nlp import get_nlp
    from ethicsnlp.train import cross_validate_views

    Y = label_matrix(frame)
    groups = note_groups(frame, group_by)
    column = label_missing_from_a_fold(Y, groups, cv, seed)
    if column is not None:
        raise DataError(
            one_class_message(LABEL_IDS[column], "the training part of a cross-validation fold")
            + ": use more labelled notes, from more settings, or fewer folds (cv=)"
        )
    texts = frame["text"].tolist()
    views = NoteAnalyzer().transform(texts)
    result = cross_validate_views(
        lambda: Pipeline(build_model(seed=seed).steps[1:]),
        views,
        Y,
        groups,
        cv=cv,
        seed=seed,
    )
    docs = list(get_nlp().pipe(texts, batch_size=64))
    errors = analyse_errors(
        frame["note_id"].tolist(),
        docs,
        Y,
        result["proba"],
        result["thresholds"],
        result["withdrawn"],
    )
    return errors, result["metrics"]
