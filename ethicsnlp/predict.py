"""Scoring notes with a trained model, with evidence for every flag.

:class:`EthicsModel` wraps a loaded model folder. ``predict(texts)`` returns one
record per note::

    {"note_id": str, "labels": [flagged ids], "scores": {label_id: probability},
     "evidence": {flagged_id: [{"start": int, "end": int, "text": str}, ...]}}

Evidence are the sentences that, scored on their own by the same model, give
the flagged label its highest probability: start/end are character offsets into
the input text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from spacy.attrs import IDX, SPACY
from spacy.tokens import Doc

from ethicsnlp.errors import DataError, shown_id
from ethicsnlp.features import DocCues, doc_views, join_marked, marked_terms, views_frame
from ethicsnlp.nlp import get_nlp
from ethicsnlp.nlp.sentences import sentence_bounds
from ethicsnlp.paths import default_model_dir
from ethicsnlp.persist import load_pipeline
from ethicsnlp.scores import shown_score
from ethicsnlp.taxonomy import LABEL_IDS
from ethicsnlp.versions import library_versions

MAX_EVIDENCE = 3
#: Notes analysed, scored and explained together. Each note's result is independent of
#: the others; passes bound the memory held by documents and sentence feature matrices.
#: Measured on 1,000 notes: one pass peaked 40 MB above the loaded model, passes of 512
#: 13 MB (about 3% slower), passes of 256 11 MB (about 8% slower).
NOTES_PER_PASS = 512


def sentence_views(
    doc: Doc, text: str | None = None
) -> tuple[list[tuple[int, int]], pd.DataFrame]:
    """Character spans and feature views of each non-empty sentence of ``doc``.

    Context marks (negation, actor, ...) come from the whole note's analysis, so a
    sentence scored alone keeps the context the note gave it. ``text`` is the
    string ``doc`` was made from, when known (saves rebuilding ``doc.text``).
    """
    spans, rows = sentence_rows(doc, text)
    return spans, views_frame(rows)


def sentence_rows(
    doc: Doc, text: str | None = None
) -> tuple[list[tuple[int, int]], list[tuple[str, str, dict[str, float]]]]:
    """As :func:`sentence_views`, with the views as row tuples instead of a DataFrame."""
    terms = marked_terms(doc)
    text = doc.text if text is None else text
    # character offset of each token, and of the end of the text
    offsets = [*doc.to_array(IDX).tolist(), len(text)]
    trailing = doc.to_array(SPACY).tolist()
    cues = DocCues(doc)  # a sentence scored alone sees only its own cues
    spans, rows = [], []
    for first, stop in sentence_bounds(doc):
        if not any(terms[first:stop]):
            continue
        # as sent.start_char, sent.end_char and sent.text
        start_char = offsets[first]
        end_char = offsets[stop] - trailing[stop - 1]
        sent_text = text[start_char:end_char]
        start = start_char + (len(sent_text) - len(sent_text.lstrip()))
        end = end_char - (len(sent_text) - len(sent_text.rstrip()))
        spans.append((start, end))
        rows.append(
            (join_marked(terms, [(first, stop)]), text[start:end], cues.counts(first, stop))
        )
    return spans, rows


class EthicsModel:
    """A loaded model folder: scoring, flags and evidence."""

    def __init__(self, pipeline: Any, card: dict[str, Any], folder: Path | None = None) -> None:
        self.pipeline = pipeline
        self.card = card
        self.folder = folder
        self.labels: tuple[str, ...] = tuple(card.get("labels", LABEL_IDS))
        if self.labels != LABEL_IDS:
            raise DataError("the model's labels differ from this version's label set")
        self.thresholds = np.asarray(pipeline.named_steps["classify"].thresholds_, dtype=float)

    @property
    def _features(self):
        return self.pipeline.named_steps["features"]

    @property
    def _classifier(self):
        return self.pipeline.named_steps["classify"]

    def _docs(self, texts: Sequence[str], batch_size: int = 64) -> list[Doc]:
        return list(get_nlp().pipe(texts, batch_size=batch_size))

    def _proba_from_views(self, views: pd.DataFrame) -> np.ndarray:
        return self._classifier.predict_proba(self._features.transform(views))

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), 10)``, in label order.

        ``texts`` are checked as :meth:`predict` checks them (a
        :class:`~ethicsnlp.errors.DataError` for a missing, empty, non-string or
        over-long text, or for one string passed instead of a list of them)."""
        texts = checked_texts(texts)
        if not texts:
            return np.zeros((0, len(LABEL_IDS)))
        analyzer = self.pipeline.named_steps["analyze"]
        return self._proba_from_views(analyzer.transform(texts))

    def evidence(self, doc: Doc | str, flagged: Sequence[int | str]) -> dict[str, list[dict]]:
        """For each flagged label (index or label id), the sentences that most raise it.

        ``doc`` is a note's text or the spaCy ``Doc`` of this package's pipeline
        (:func:`ethicsnlp.nlp.get_nlp`)."""
        if isinstance(doc, str):
            doc = self._docs(checked_texts([doc]))[0]
        elif not isinstance(doc, Doc):
            raise DataError(f"doc must be a note's text or a spaCy Doc, not {type(doc).__name__}")
        if isinstance(flagged, str | int):
            flagged = [flagged]
        columns = []
        for label in flagged:
            if isinstance(label, str) and label in LABEL_IDS:
                columns.append(LABEL_IDS.index(label))
            elif isinstance(label, int | np.integer) and 0 <= label < len(LABEL_IDS):
                columns.append(int(label))
            else:
                raise DataError(
                    f"unknown label {shown_id(label)}: give label ids or indices 0-"
                    f"{len(LABEL_IDS) - 1}"
                )
        return self._evidence_batch([doc], [columns])[0]

    def _evidence_batch(
        self,
        docs: Sequence[Doc],
        flagged: Sequence[Sequence[int]],
        texts: Sequence[str] | None = None,
    ) -> list[dict[str, list[dict]]]:
        """Evidence for many notes, scoring all their sentences in one model call.
        ``texts`` are the strings the docs were made from, when known."""
        results: list[dict[str, list[dict]]] = [{} for _ in docs]
        texts = [doc.text for doc in docs] if texts is None else texts
        pending = []
        every_row: list[tuple] = []  # all sentences of all flagged notes: one frame
        for i, (doc, labels) in enumerate(zip(docs, flagged, strict=True)):
            if labels:
                spans, rows = sentence_rows(doc, texts[i])
                pending.append((i, spans))
                every_row += rows
        if not pending:
            return results
        all_views = views_frame(every_row)
        second_all: dict[tuple[int, int], np.ndarray] = {}
        if len(all_views):
            features = self._features.transform(all_views)
            proba_all, second_all = self._classifier.proba_and_conditional(features)
        else:
            proba_all = np.zeros((0, len(LABEL_IDS)))
        offset = 0
        for i, spans in pending:
            proba = proba_all[offset : offset + len(spans)].copy()
            # in a note whose target label a second classifier decided (the note is
            # flagged for the gate), every sentence is ranked by that classifier
            for (gate, target), second in second_all.items():
                if gate in flagged[i]:
                    proba[:, target] = second[offset : offset + len(spans)]
            offset += len(spans)
            text = texts[i]
            found: dict[str, list[dict]] = {}
            for j in flagged[i]:
                if not spans:
                    found[LABEL_IDS[j]] = []
                    continue
                order = np.argsort(-proba[:, j], kind="stable")
                chosen = [order[0]]
                chosen += [k for k in order[1:MAX_EVIDENCE] if proba[k, j] >= self.thresholds[j]]
                found[LABEL_IDS[j]] = [
                    {
                        "start": int(spans[k][0]),
                        "end": int(spans[k][1]),
                        "text": text[spans[k][0] : spans[k][1]],
                    }
                    for k in sorted(chosen)
                ]
            results[i] = found
        return results

    def predict(
        self, texts: Iterable[str], note_ids: Sequence[str] | None = None, batch_size: int = 64
    ) -> list[dict]:
        """Score ``texts``; return one record per note (see the module docstring).

        ``note_ids`` default to the index of a pandas Series of texts, else to the
        positions ``"0"``, ``"1"``, ... Raises :class:`~ethicsnlp.errors.DataError` for
        a missing, empty, non-string or over-long text (over
        :data:`~ethicsnlp.stream.MAX_TEXT_CHARS` characters, as ``ethicsnlp predict``),
        and for a missing, empty or repeated note id.
        """
        if note_ids is None and isinstance(texts, pd.Series):
            note_ids = texts.index.tolist()
        texts = checked_texts(texts)
        ids = checked_ids(note_ids, len(texts))
        records: list[dict] = []
        for start in range(0, len(texts), NOTES_PER_PASS):
            stop = start + NOTES_PER_PASS
            records += self._predict_pass(texts[start:stop], ids[start:stop], batch_size)
        return records

    def _predict_pass(self, texts: list[str], ids: list[str], batch_size: int) -> list[dict]:
        """Records for one pass of at most ``NOTES_PER_PASS`` notes."""
        docs = self._docs(texts, batch_size)
        views = views_frame(
            [doc_views(doc, text) for doc, text in zip(docs, texts, strict=True)]
        )
        proba = self._proba_from_views(views) if len(docs) else np.zeros((0, len(LABEL_IDS)))
        flagged = [
            [j for j in range(len(LABEL_IDS)) if row[j] >= self.thresholds[j]] for row in proba
        ]
        evidence = self._evidence_batch(docs, flagged, texts)
        return [
            {
                "note_id": note_id,
                "labels": [LABEL_IDS[j] for j in labels],
                "scores": {
                    label: shown_score(p) for label, p in zip(LABEL_IDS, row, strict=True)
                },
                "evidence": found,
            }
            for note_id, row, labels, found in zip(ids, proba, flagged, evidence, strict=True)
        ]

    def score_frame(
        self,
        frame: pd.DataFrame,
        text_col: str = "text",
        id_col: str | None = "note_id",
        *,
        prefix: str = "",
        on_error: str = "fail",
        batch_size: int = 64,
    ) -> pd.DataFrame:
        """Score a DataFrame; return a copy with the prediction columns added.

        The new columns are ``labels`` (``;``-joined), ``score_<id>`` and
        ``evidence_<id>``, each name preceded by ``prefix``; the frame keeps its own
        index and columns. A frame that already has one of those names (a labelled
        frame has ``labels``) needs a ``prefix`` such as ``"pred_"``.

        Rows are checked as ``ethicsnlp predict`` checks them: missing, empty or
        over-long text, and (when ``id_col`` is a column) empty or duplicate ids. With
        ``on_error="fail"`` the first bad row raises :class:`DataError` naming its
        position (1-based) and column; with ``"skip"`` bad rows stay in the result
        unscored, with the reason in ``<prefix>error``.
        """
        from ethicsnlp.data import Columns
        from ethicsnlp.stream import MAX_TEXT_CHARS, GoodRow, check_row

        if on_error not in ("fail", "skip"):
            raise DataError(f"on_error must be 'fail' or 'skip', got {on_error!r}")
        if text_col not in frame.columns:
            raise DataError(f"missing column {text_col!r}")
        for name in (text_col, id_col):
            if name is not None and list(frame.columns).count(name) > 1:
                raise DataError(f"the frame has more than one column named {name!r}")
        new_columns = [f"{prefix}{name}" for name in _FLAT_COLUMNS[1:]]
        if on_error == "skip":
            new_columns.append(f"{prefix}error")
        clashing = [name for name in new_columns if name in frame.columns]
        if clashing:
            raise DataError(
                f"the frame already has column(s) {', '.join(clashing[:3])}; pass a prefix "
                "(for example prefix='pred_') to keep the predictions apart"
            )
        has_ids = bool(id_col) and id_col in frame.columns
        raw_ids = frame[id_col].tolist() if has_ids else [str(i) for i in range(len(frame))]
        columns = Columns(id_col if has_ids else "note_id", text_col)
        seen: set[str] = set()
        good: list[int] = []
        texts: list[str] = []
        ids: list[str] = []
        reasons: dict[int, str] = {}
        for position, (raw_id, raw_text) in enumerate(
            zip(raw_ids, frame[text_col].tolist(), strict=True)
        ):
            checked = check_row(position + 1, raw_id, raw_text, columns, seen, MAX_TEXT_CHARS)
            if isinstance(checked, GoodRow):
                good.append(position)
                texts.append(checked.text)
                ids.append(checked.note_id)
            elif on_error == "fail":
                raise DataError(
                    f"{checked.reason}; pass on_error='skip' to score the other rows",
                    row=checked.row,
                    column=checked.column,
                )
            else:
                reasons[position] = checked.reason
        predicted = records_to_frame(self.predict(texts, ids, batch_size)).drop(columns="note_id")
        predicted.index = pd.Index(good)
        predicted = predicted.reindex(range(len(frame)))
        if on_error == "skip":
            predicted["error"] = pd.Series(reasons, dtype=object).reindex(range(len(frame)))
        predicted.columns = [f"{prefix}{name}" for name in predicted.columns]
        predicted.index = frame.index
        return pd.concat([frame, predicted], axis=1)


def checked_texts(texts: Iterable[str]) -> list[str]:
    """``texts`` as a list, after checking each is a non-empty string no longer than
    :data:`~ethicsnlp.stream.MAX_TEXT_CHARS`; a :class:`DataError` names the first
    that is not (by 0-based position, never by its content)."""
    from ethicsnlp.data import is_missing
    from ethicsnlp.stream import MAX_TEXT_CHARS

    if isinstance(texts, str | bytes):
        raise DataError("texts must be a list of strings, not one string: pass [text]")
    if isinstance(texts, pd.DataFrame):
        raise DataError("texts must be a list or Series of strings, not a DataFrame")
    texts = list(texts)
    for position, text in enumerate(texts):
        if isinstance(text, str) and text.strip() and len(text) <= MAX_TEXT_CHARS:
            continue
        if isinstance(text, str):
            kind = "empty" if not text.strip() else (
                f"longer than {MAX_TEXT_CHARS} characters ({len(text)})"
            )
        elif is_missing(text):
            kind = "missing"
        else:
            name = type(text).__name__
            kind = f"{'an' if name[0] in 'aeiou' else 'a'} {name}, not a string"
        raise DataError(f"text {position} (0-based) is {kind}")
    return texts


def checked_ids(note_ids: Iterable[object] | None, n_texts: int) -> list[str]:
    """Note ids as strings (default: positions), after checking there is one per text,
    none is missing or empty and none repeats."""
    from ethicsnlp.data import id_text

    if note_ids is None:
        return [str(i) for i in range(n_texts)]
    if isinstance(note_ids, str | bytes):
        raise DataError("note_ids must be a list of ids, not one string")
    raw = list(note_ids)
    if len(raw) != n_texts:
        raise DataError(f"note_ids and texts differ in length ({len(raw)} and {n_texts})")
    ids: list[str] = []
    seen: set[str] = set()
    for position, value in enumerate(raw):
        note_id = id_text(value)
        if not note_id:
            raise DataError(f"note id {position} (0-based) is missing or empty")
        if note_id in seen:
            raise DataError(
                f"note id {position} (0-based), {shown_id(note_id)}, repeats an earlier one"
            )
        seen.add(note_id)
        ids.append(note_id)
    return ids


_FLAT_COLUMNS = (
    ["note_id", "labels"]
    + [f"score_{label}" for label in LABEL_IDS]
    + [f"evidence_{label}" for label in LABEL_IDS]
)


def records_to_frame(records: Sequence[dict]) -> pd.DataFrame:
    """Flatten prediction records into columns: note_id, labels (``;``-joined),
    ``score_<label>`` and ``evidence_<label>`` (JSON list of spans, empty when not flagged)."""
    import json

    rows = []
    for record in records:
        row: dict[str, Any] = {"note_id": record["note_id"], "labels": ";".join(record["labels"])}
        for label in LABEL_IDS:
            row[f"score_{label}"] = record["scores"][label]
        for label in LABEL_IDS:
            spans = record["evidence"].get(label)
            row[f"evidence_{label}"] = json.dumps(spans, ensure_ascii=False) if spans else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=_FLAT_COLUMNS)


def load_model(folder: str | Path | None = None) -> EthicsModel:
    """Load a model folder (default: the shipped model) after checksum, version and
    type checks. Raises :class:`~ethicsnlp.errors.ModelError` when it is unsafe."""
    path = Path(folder) if folder is not None else default_model_dir()
    pipeline, card = load_pipeline(path, library_versions())
    return EthicsModel(pipeline, card, path)
