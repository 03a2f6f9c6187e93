"""Checking labelled (or unlabelled) note files before training or evaluation.

:func:`validate_files` reads every file with :mod:`ethicsnlp.data` (schema,
ids, text, labels) and then looks across the files for:

* the same note id in two files (an error: ``train`` refuses it);
* exact duplicate texts (whitespace-normalised) within and across files;
* near-duplicate texts: TF-IDF character 3-5-gram cosine similarity at or above
  a threshold (0.9 by default), found exactly but without comparing all pairs
  (see :func:`near_duplicate_pairs`), so 100k notes stay feasible;
* per-label counts, and labels too rare to train on.

Duplicates across files are flagged as possible leakage: if one file trains a
model and the other evaluates it, the evaluation is optimistic. Messages name
files, rows or lines and note ids, never note text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, label_matrix, read_table, validate_frame
from ethicsnlp.errors import DataError
from ethicsnlp.taxonomy import LABEL_IDS

NEAR_THRESHOLD = 0.9
MIN_TRAIN_NOTES = 2  # ethicsnlp.train needs this many notes with and without each label
LISTED = 20  # pairs or ids listed per message


@dataclass(frozen=True)
class NoteRef:
    """Where a note is: file, 1-based row or line number, and note id."""

    path: str
    row: int
    row_kind: str
    note_id: str

    def __str__(self) -> str:
        return f"{self.path} {self.row_kind} {self.row} (id {self.note_id!r})"


@dataclass(frozen=True)
class DuplicatePair:
    """Two notes with the same or nearly the same text."""

    first: NoteRef
    second: NoteRef
    similarity: float
    labels_differ: bool | None

    @property
    def cross_file(self) -> bool:
        """True when the two notes come from different files."""
        return self.first.path != self.second.path

    def describe(self) -> str:
        """One line naming both notes (no text)."""
        extra = f"cosine {self.similarity:.2f}" if self.similarity < 1 else "identical"
        if self.labels_differ:
            extra += ", labels differ"
        return f"{self.first} ~ {self.second} ({extra})"


@dataclass
class ValidationReport:
    """Everything :func:`validate_files` found. ``ok`` is False when there are errors."""

    files: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label_counts: dict[str, int] | None = None
    no_label_notes: int | None = None
    exact_duplicates: list[DuplicatePair] = field(default_factory=list)
    near_duplicates: list[DuplicatePair] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no errors were found (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (ids and locations only)."""

        def pair(p: DuplicatePair) -> dict[str, Any]:
            return {
                "first": p.first.__dict__,
                "second": p.second.__dict__,
                "similarity": round(p.similarity, 4),
                "labels_differ": p.labels_differ,
                "cross_file": p.cross_file,
            }

        return {
            "ok": self.ok,
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "label_counts": self.label_counts,
            "no_label_notes": self.no_label_notes,
            "exact_duplicates": [pair(p) for p in self.exact_duplicates],
            "near_duplicates": [pair(p) for p in self.near_duplicates],
        }


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pairs_by_exact_text(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs ``(first, later)`` of notes whose whitespace-normalised texts are equal."""
    first: dict[str, int] = {}
    pairs = []
    for i, text in enumerate(texts):
        key = _normalise(text)
        if key in first:
            pairs.append((first[key], i))
        else:
            first[key] = i
    return pairs


def _choose_common(
    df: np.ndarray, X: sp.csr_matrix, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split features into common and rare so that few notes are 'heavy'.

    Returns ``(common_mask, common_norms)``. A note is heavy when the norm of its
    common-feature part reaches ``threshold``; only heavy notes can be that
    similar without sharing a rare feature.
    """
    n = X.shape[0]
    squares = X.multiply(X).tocsc()
    limit = max(50, n // 100)
    for cutoff in (20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        common = df > cutoff
        norms = np.sqrt(np.asarray(squares[:, common].sum(axis=1)).ravel())
        if (norms >= threshold).sum() <= limit or cutoff >= n:
            return common, norms
    common = df > n
    return common, np.zeros(n)


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float = NEAR_THRESHOLD, *, block: int = 256
) -> list[tuple[int, int, float]]:
    """All pairs ``(i, j, cosine)`` with ``i < j`` whose TF-IDF character 3-5-gram
    vectors (``char_wb``, sublinear tf, l2-normalised) have cosine >= ``threshold``.

    Exact, without an all-pairs product: features are split into rare and common
    ones (by document frequency). Sparse products over rare features, in blocks of
    ``block`` notes, give every pair that shares a rare feature; the common part
    adds at most ``|c_i| * |c_j|`` (Cauchy-Schwarz, ``c`` = common-feature part),
    so pairs whose bound stays below ``threshold`` are dropped and the rest are
    checked exactly. Pairs sharing no rare feature can only reach the threshold
    when both notes are 'heavy' (``|c| >= threshold``); the few heavy notes are
    compared with each other exactly.
    """
    n = len(texts)
    if n < 2:
        return []
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    try:
        X = vectorizer.fit_transform(list(texts)).tocsr()
    except ValueError:  # no n-grams at all (e.g. one-character notes)
        return []
    df = np.diff(X.tocsc().indptr)
    common, norms = _choose_common(df, X, threshold)
    rare = X[:, ~common].tocsr()
    rare_t = rare.T.tocsr()
    candidates: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, n, block):
        product = (rare[start : start + block] @ rare_t).tocoo()
        rows = product.row + start
        keep = product.col > rows
        rows, cols, dots = rows[keep], product.col[keep], product.data[keep]
        bound = dots + norms[rows] * norms[cols]
        keep = bound >= threshold - 1e-6
        candidates.append((rows[keep], cols[keep]))
    heavy = np.flatnonzero(norms >= threshold - 1e-6)
    if len(heavy) > 1:
        hi, hj = np.triu_indices(len(heavy), k=1)
        candidates.append((heavy[hi], heavy[hj]))
    if not candidates:
        return []
    rows = np.concatenate([c[0] for c in candidates]).astype(np.int64)
    cols = np.concatenate([c[1] for c in candidates]).astype(np.int64)
    if len(rows) == 0:
        return []
    pairs = np.unique(np.stack([rows, cols], axis=1), axis=0)
    found: list[tuple[int, int, float]] = []
    for start in range(0, len(pairs), 50_000):
        chunk = pairs[start : start + 50_000]
        cos = np.asarray(X[chunk[:, 0]].multiply(X[chunk[:, 1]]).sum(axis=1)).ravel()
        for (i, j), c in zip(chunk, cos, strict=True):
            if c >= threshold - 1e-6:
                found.append((int(i), int(j), float(min(c, 1.0))))
    return found


def validate_files(
    paths: Sequence[str | Path],
    *,
    columns: Columns = DEFAULT_COLUMNS,
    near_threshold: float = NEAR_THRESHOLD,
) -> ValidationReport:
    """Check ``paths`` one by one and together; return a :class:`ValidationReport`.

    A file that cannot be read or validated adds its :class:`DataError` message
    to ``errors`` (the other files are still checked); note ids repeated across
    files are errors too. Duplicates, near-duplicates and rare labels are
    warnings.
    """
    report = ValidationReport()
    frames: list[pd.DataFrame] = []
    refs: list[NoteRef] = []
    for path in paths:
        try:
            raw, rows, row_kind = read_table(path, columns)
            frame = validate_frame(
                raw, rows, path=path, row_kind=row_kind, columns=columns, require_labels=False
            )
        except DataError as exc:
            report.errors.append(str(exc))
            continue
        labelled = all(label in frame.columns for label in LABEL_IDS)
        report.files.append(
            {"path": str(path), "rows": len(frame), "labelled": labelled, "row_kind": row_kind}
        )
        frames.append(frame.assign(_file=str(path)))
        refs.extend(
            NoteRef(str(path), row, row_kind, note_id)
            for row, note_id in zip(rows, frame["note_id"], strict=True)
        )
    if not frames:
        return report
    notes = pd.concat(frames, ignore_index=True)

    first_seen: dict[str, NoteRef] = {}
    repeated: list[str] = []
    for ref in refs:
        if ref.note_id in first_seen:
            repeated.append(f"  {ref}, also at {first_seen[ref.note_id]}")
        else:
            first_seen[ref.note_id] = ref
    if repeated:
        lines = [f"{len(repeated)} note id(s) in more than one file (ids must be unique):"]
        lines += repeated[:LISTED]
        if len(repeated) > LISTED:
            lines.append(f"  ... and {len(repeated) - LISTED} more")
        report.errors.append("\n".join(lines))

    label_rows = None
    if all(f["labelled"] for f in report.files):
        Y = label_matrix(notes)
        label_rows = Y
        report.label_counts = {label: int(Y[:, j].sum()) for j, label in enumerate(LABEL_IDS)}
        report.no_label_notes = int((Y.sum(axis=1) == 0).sum())
        for label, count in report.label_counts.items():
            if count < MIN_TRAIN_NOTES or len(Y) - count < MIN_TRAIN_NOTES:
                report.warnings.append(
                    f"label {label!r}: {count} of {len(Y)} notes carry it; training needs at "
                    f"least {MIN_TRAIN_NOTES} notes with and {MIN_TRAIN_NOTES} without each label"
                )
    elif any(f["labelled"] for f in report.files):
        report.warnings.append(
            "some files are labelled and some are not; label counts are not computed"
        )

    def differ(i: int, j: int) -> bool | None:
        if label_rows is None:
            return None
        return bool((label_rows[i] != label_rows[j]).any())

    texts = notes["text"].tolist()
    exact = set()
    for i, j in _pairs_by_exact_text(texts):
        exact.add((i, j))
        report.exact_duplicates.append(DuplicatePair(refs[i], refs[j], 1.0, differ(i, j)))
    for i, j, cos in near_duplicate_pairs(texts, near_threshold):
        if (i, j) in exact or _normalise(texts[i]) == _normalise(texts[j]):
            continue
        report.near_duplicates.append(DuplicatePair(refs[i], refs[j], cos, differ(i, j)))
    _duplicate_warnings(report, near_threshold)
    return report


def _duplicate_warnings(report: ValidationReport, threshold: float, listed: int = LISTED) -> None:
    groups = (
        ("exact duplicate texts", report.exact_duplicates),
        (f"near-duplicate texts (cosine >= {threshold:g})", report.near_duplicates),
    )
    for what, pairs in groups:
        within = [p for p in pairs if not p.cross_file]
        across = [p for p in pairs if p.cross_file]
        for scope, chosen, advice in (
            ("within a file", within, "they weigh twice in training and evaluation"),
            (
                "across files",
                across,
                "possible leakage: if one file trains and the other evaluates, the "
                "evaluation is optimistic",
            ),
        ):
            if not chosen:
                continue
            conflicting = sum(1 for p in chosen if p.labels_differ)
            lines = [f"{len(chosen)} pair(s) of {what} {scope} ({advice})"]
            if conflicting:
                lines[0] += f"; {conflicting} with different labels"
            lines += [f"  {p.describe()}" for p in chosen[:listed]]
            if len(chosen) > listed:
                lines.append(f"  ... and {len(chosen) - listed} more")
            report.warnings.append("\n".join(lines))


__all__ = [
    "DuplicatePair",
    "NoteRef",
    "ValidationReport",
    "near_duplicate_pairs",
    "validate_files",
]
