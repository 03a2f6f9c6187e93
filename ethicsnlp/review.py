"""The reviewer view: one self-contained, offline HTML page for reading flags.

:func:`build_review` joins the predictions written by ``ethicsnlp predict`` with
the notes they were made from and writes a single HTML file (inline CSS and
JavaScript, no network access of any kind) where a reviewer can:

* read each note with the evidence sentences of every flagged label highlighted,
  and the cue words the pipeline found with their negated / hypothetical / actor
  marks;
* filter by label and minimum score, page through thousands of notes;
* mark each flag agree / disagree / unsure and add labels the model missed;
* export the verdicts as a labelled CSV that ``ethicsnlp train`` reads.

Verdict export rules (implemented in the page's script): only notes with at
least one verdict or added label are exported. A label column is 1 when the
reviewer agreed with the flag, marked it unsure, left that flag without a verdict
or added the label; 0 when they disagreed or the label was neither flagged nor
added. ``reviewed`` is ``yes`` when every flag of the note has an agree or
disagree verdict, otherwise ``unsure``.

The note data is embedded as JSON in a ``<script type="application/json">`` tag
with ``<``, ``>`` and ``&`` escaped, and the page only ever renders note text as
text nodes, so note text cannot inject markup or script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ethicsnlp.data import Columns, id_text, parse_label_list, read_notes, read_table
from ethicsnlp.errors import DataError, shown_id
from ethicsnlp.scores import shown_score
from ethicsnlp.taxonomy import LABEL_IDS, LABELS

logger = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")

#: One colour per label, in taxonomy order; each has at least 5:1 contrast with white.
LABEL_COLORS: dict[str, str] = dict(
    zip(
        LABEL_IDS,
        (
            "#1565c0",
            "#ad1457",
            "#9a4d00",
            "#6a1b9a",
            "#00695c",
            "#2e7d32",
            "#37474f",
            "#4e342e",
            "#c62828",
            "#6d5d00",
        ),
        strict=True,
    )
)


# --------------------------------------------------------------------------- reading


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _plain(value: object) -> object:
    """Turn NumPy containers (from Parquet) into plain Python objects."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _parse_flags(value: object, where: dict) -> list[str]:
    value = _plain(value)
    if _missing(value):
        return []
    return parse_label_list(value, where)


def _parse_score(value: object, where: dict) -> float:
    try:
        score = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError("score is not a number", **where) from None
    if not math.isfinite(score) or not 0.0 <= score <= 1.0:
        raise DataError("score must be a probability between 0 and 1", **where)
    return score


def _parse_spans(value: object, where: dict) -> list[tuple[int, int, str | None]]:
    value = _plain(value)
    if _missing(value):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise DataError("evidence is not a valid JSON list", **where) from None
    if not isinstance(value, list):
        raise DataError("evidence must be a list of spans", **where)
    spans = []
    for span in value:
        if not isinstance(span, dict):
            raise DataError("each evidence span must be an object with start and end", **where)
        start, end = span.get("start"), span.get("end")
        if not all(
            isinstance(x, int | np.integer) and not isinstance(x, bool) for x in (start, end)
        ):
            raise DataError("evidence start and end must be integers", **where)
        text = span.get("text")
        spans.append((int(start), int(end), text if isinstance(text, str) else None))
    return spans


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Read a predictions file written by ``ethicsnlp predict`` (JSONL, CSV or Parquet).

    Returns one dict per note: ``note_id``, ``labels`` (flagged ids), ``scores``
    (all ten, taxonomy order), ``evidence`` (flagged id -> list of
    ``(start, end, text or None)``) and ``row`` (1-based row or line number).
    Raises :class:`DataError` naming the file, row and column of any problem.
    """
    path = Path(path)
    frame, rows, row_kind = read_table(path)
    if len(frame) == 0:
        raise DataError("the file holds no predictions", path=path)
    if "note_id" not in frame.columns:
        raise DataError("missing column 'note_id'; is this a predictions file?", path=path)
    score_cols = [f"score_{label}" for label in LABEL_IDS]
    if "scores" in frame.columns:
        nested = True
    elif all(col in frame.columns for col in score_cols):
        nested = False
    else:
        raise DataError(
            "not a predictions file: expected a 'scores' field or columns "
            "'score_<label>' for all ten labels (as written by ethicsnlp predict)",
            path=path,
        )
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        loc = {"path": path, "row": row, "row_kind": row_kind}
        raw_id = frame["note_id"].iloc[i]
        note_id = id_text(raw_id)
        if not note_id:
            raise DataError("empty note id", column="note_id", **loc)
        if note_id in seen:
            raise DataError(
                f"duplicate note id {shown_id(note_id)} (first seen at {row_kind} {seen[note_id]})",
                column="note_id",
                **loc,
            )
        seen[note_id] = row
        flags = _parse_flags(
            frame["labels"].iloc[i] if "labels" in frame.columns else None,
            {**loc, "column": "labels"},
        )
        if nested:
            scores_raw = _plain(frame["scores"].iloc[i])
            if not isinstance(scores_raw, dict):
                raise DataError(
                    "scores must be an object of label: probability", column="scores", **loc
                )
            missing = [label for label in LABEL_IDS if label not in scores_raw]
            if missing:
                raise DataError(f"scores missing for: {', '.join(missing)}", column="scores", **loc)
            scores = [
                _parse_score(scores_raw[label], {**loc, "column": f"scores.{label}"})
                for label in LABEL_IDS
            ]
            evidence_raw = (
                _plain(frame["evidence"].iloc[i]) if "evidence" in frame.columns else None
            )
            if _missing(evidence_raw):
                evidence_raw = {}
            if not isinstance(evidence_raw, dict):
                raise DataError(
                    "evidence must be an object of label: spans", column="evidence", **loc
                )
            evidence = {
                label: _parse_spans(evidence_raw.get(label), {**loc, "column": "evidence"})
                for label in flags
            }
        else:
            scores = [
                _parse_score(frame[col].iloc[i], {**loc, "column": col}) for col in score_cols
            ]
            evidence = {}
            for label in flags:
                col = f"evidence_{label}"
                value = frame[col].iloc[i] if col in frame.columns else None
                evidence[label] = _parse_spans(value, {**loc, "column": col})
        records.append(
            {
                "note_id": note_id,
                "labels": flags,
                "scores": scores,
                "evidence": evidence,
                "row": row,
                "row_kind": row_kind,
            }
        )
    return records


# --------------------------------------------------------------------------- page data


def _model_info(model: Any) -> dict[str, Any] | None:
    """Name and per-label thresholds of ``model`` (folder path or loaded model)."""
    if model is None:
        return None
    from ethicsnlp.predict import EthicsModel, load_model

    loaded = model if isinstance(model, EthicsModel) else load_model(model)
    return {
        "name": str(loaded.card.get("name") or (loaded.folder.name if loaded.folder else "")),
        "thresholds": [round(float(t), 4) for t in loaded.thresholds],
    }


def _cues(texts: Sequence[str], flags: Sequence[Sequence[str]]) -> list[dict[str, list[dict]]]:
    """Cue spans of the flagged labels in each text, with their context marks."""
    from ethicsnlp.nlp import get_nlp

    found: list[dict[str, list[dict]]] = []
    for doc, flagged in zip(get_nlp().pipe(texts, batch_size=64), flags, strict=True):
        per_label: dict[str, list[dict]] = {label: [] for label in flagged}
        seen: set[tuple[str, int, int]] = set()
        for span in doc.spans.get("cues", []):
            label = span.label_
            key = (label, span.start_char, span.end_char)
            if label not in per_label or key in seen:
                continue
            seen.add(key)
            per_label[label].append(
                {
                    "start": span.start_char,
                    "end": span.end_char,
                    "negated": bool(span._.negated),
                    "hypothetical": bool(span._.hypothetical),
                    "actor": str(span._.actor),
                }
            )
        for spans in per_label.values():
            spans.sort(key=lambda s: (s["start"], s["end"]))
        found.append(per_label)
    return found


def build_page_data(
    predictions: Sequence[dict[str, Any]],
    texts: dict[str, str],
    *,
    predictions_path: str | Path | None = None,
    model_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the JSON embedded in the page: labels, notes sorted by score, and a key.

    ``predictions`` come from :func:`read_predictions`; ``texts`` maps note id to
    note text. Evidence offsets are checked against the text.
    """
    notes = []
    for record in predictions:
        text = texts[record["note_id"]]
        loc = {"path": predictions_path, "row": record["row"], "row_kind": record["row_kind"]}
        evidence: dict[str, list[list[int]]] = {}
        for label, spans in record["evidence"].items():
            checked = []
            for start, end, span_text in spans:
                if not 0 <= start < end <= len(text):
                    raise DataError(
                        f"evidence offsets for note id {shown_id(record['note_id'])} fall "
                        "outside its text; were these predictions made from this notes file?",
                        column=f"evidence ({label})",
                        **loc,
                    )
                if span_text is not None and text[start:end] != span_text:
                    raise DataError(
                        f"evidence text for note id {shown_id(record['note_id'])} does not "
                        "match the note text at its offsets; were these predictions made from this "
                        "notes file?",
                        column=f"evidence ({label})",
                        **loc,
                    )
                checked.append([start, end])
            evidence[label] = checked
        scores = record["scores"]
        flagged_scores = [scores[LABEL_IDS.index(label)] for label in record["labels"]]
        rank = max(flagged_scores) if flagged_scores else max(scores)
        notes.append(
            {
                "id": record["note_id"],
                "text": text,
                "flags": list(record["labels"]),
                "scores": [shown_score(s) for s in scores],
                "rank": shown_score(rank),
                "evidence": evidence,
            }
        )
    notes.sort(key=lambda n: (not n["flags"], -n["rank"], n["id"]))
    for note, cues in zip(
        notes, _cues([n["text"] for n in notes], [n["flags"] for n in notes]), strict=True
    ):
        note["cues"] = cues
    labels = [
        {
            "id": label.id,
            "category": label.category,
            "definition": label.definition,
            "not_applies": label.not_applies,
            "color": LABEL_COLORS[label.id],
        }
        for label in LABELS
    ]
    content = {"labels": labels, "notes": notes}
    key = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:24]
    return {**content, "key": key, "model": model_info}


def embed_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` tag: ``<``, ``>``, ``&`` and the
    JavaScript line separators are escaped, so no text can close the tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()


def render_html(data: dict[str, Any]) -> str:
    """The complete page for ``data`` (from :func:`build_page_data`)."""
    csp = (
        "default-src 'none'; "
        f"script-src '{_csp_hash(_SCRIPT)}'; "
        f"style-src '{_csp_hash(_STYLE)}'; "
        "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    return (
        _PAGE.replace("__CSP__", csp)
        .replace("__STYLE__", _STYLE)
        .replace("__SCRIPT__", _SCRIPT)
        .replace("__DATA__", embed_json(data))
    )


def _write_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.write_text(text, encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def build_review(
    predictions_path: str | Path,
    notes_path: str | Path,
    output_html: str | Path,
    *,
    model: Any = None,
    id_col: str = "note_id",
    text_col: str = "text",
) -> Path:
    """Write the reviewer page for ``predictions_path`` and the notes they were made from.

    ``predictions_path`` is the JSONL, CSV or Parquet file written by ``ethicsnlp
    predict``; ``notes_path`` the notes file given to it (any format
    :func:`ethicsnlp.data.read_notes` reads; ``id_col`` / ``text_col`` name its
    columns). ``model`` (optional: a model folder or a loaded
    :class:`~ethicsnlp.predict.EthicsModel`) adds the model's name and flag
    thresholds to the page. Every predicted note must be in the notes file; notes
    without predictions are left out.

    The page is written atomically to ``output_html`` (``.html``) and its path
    returned. Raises :class:`~ethicsnlp.errors.DataError` for bad or mismatched
    files; messages never contain note text.
    """
    output = Path(output_html)
    if output.suffix.lower() not in HTML_SUFFIXES:
        raise DataError(
            f"unsupported output type {output.suffix or '(none)'!r}; use .html", path=output
        )
    predictions = read_predictions(predictions_path)
    notes = read_notes(notes_path, columns=Columns(id_col, text_col))
    texts = dict(zip(notes["note_id"], notes["text"], strict=True))
    missing = [r["note_id"] for r in predictions if r["note_id"] not in texts]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise DataError(
            f"{len(missing)} note id(s) in the predictions are not in the notes file "
            f"{notes_path}: {shown}{more}",
            path=predictions_path,
            column="note_id",
        )
    logger.info(
        "review: %d predicted notes, %d notes in the notes file",
        len(predictions),
        len(notes),
    )
    data = build_page_data(
        predictions, texts, predictions_path=predictions_path, model_info=_model_info(model)
    )
    _write_atomic(render_html(data), output)
    logger.info("review page written (%d notes)", len(data["notes"]))
    return output


# --------------------------------------------------------------------------- the page

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="__CSP__">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ethicsnlp reviewer view</title>
<style>__STYLE__</style>
</head>
<body>
<a class="skip" href="#notes">Skip to notes</a>
<header class="top">
  <div class="title-row">
    <h1>ethicsnlp reviewer view</h1>
    <p class="disclaimer"><strong>Flags for human review, not findings.</strong>
    Each flag is a prompt to read the note; the model makes mistakes in both directions.</p>
  </div>
  <div class="toolbar" role="group" aria-label="Filters and actions">
    <span class="ctl"><label for="f-label">Label</label>
      <select id="f-label"></select></span>
    <span class="ctl"><label for="f-show">Show</label>
      <select id="f-show">
        <option value="flagged">Flagged notes</option>
        <option value="unreviewed">Flagged, not yet reviewed</option>
        <option value="reviewed">Reviewed notes</option>
        <option value="all">All notes</option>
      </select></span>
    <span class="ctl"><label for="f-min">Min. score</label>
      <input id="f-min" type="number" min="0" max="1" step="0.05" value="0"
        aria-describedby="f-min-help">
      <span id="f-min-help" class="sr-only">Probability from 0 to 1 of the selected label,
        or of the note's top flag when no label is selected</span></span>
    <span class="pager">
      <button type="button" id="prev">&#8592; Previous</button>
      <label for="page" class="sr-only">Page</label>
      <select id="page"></select>
      <button type="button" id="next">Next &#8594;</button>
    </span>
    <span class="actions">
      <button type="button" id="export" class="primary">Export verdicts (CSV)</button>
    </span>
  </div>
  <p class="status-row"><span id="status" role="status" aria-live="polite"></span>
    <span id="saved"></span></p>
</header>
<div class="layout">
  <main id="notes" aria-label="Notes"></main>
  <aside class="legend" aria-labelledby="legend-h">
    <h2 id="legend-h">Legend</h2>
    <p class="how">Keys: <kbd>j</kbd> / <kbd>k</kbd> next / previous note; <kbd>Tab</kbd>
      moves through a note's controls, <kbd>Space</kbd> or arrow keys choose.</p>
    <p class="how"><span class="demo-ev">Tinted text with a coloured underline</span> is
      an evidence sentence for the label named in the tag before it. <span class="demo-cue">
      Bold, dotted-underlined words</span> are cue words the pipeline matched; their marks
      (negated, hypothetical, actor) are listed under each flag.</p>
    <ul id="legend-list"></ul>
  </aside>
</div>
<noscript><p class="noscript">This page needs JavaScript. It runs entirely in this file
  and makes no network requests.</p></noscript>
<script type="application/json" id="review-data">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""

_STYLE = """
:root { --ink: #1b1b1b; --muted: #4a4a4a; --line: #c4c4c4; --bg: #f4f5f7; --focus: #0b4f8a;
  --primary: #0b4f8a; --head: 96px; font-size: 15px; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: var(--ink); background: var(--bg); line-height: 1.45; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 6px; }
.skip:focus { left: 6px; z-index: 10; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { position: sticky; top: 0; z-index: 5; background: #fff;
  border-bottom: 1px solid var(--line); padding: 6px 16px 4px; }
.title-row { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
h1 { font-size: 1.2rem; margin: 0; }
.disclaimer { margin: 0; color: #5a3500; background: #fff4e0; border: 1px solid #e0b15a;
  padding: 1px 8px; border-radius: 4px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin-top: 6px; }
#f-label { width: 15em; }
#f-show { width: 11.5em; }
.ctl label { font-weight: 600; margin-right: 4px; }
select, input[type=number], button { font: inherit; color: var(--ink); }
select, input[type=number] { border: 1px solid #767676; border-radius: 4px; padding: 2px 4px;
  background: #fff; }
input[type=number] { width: 5.5em; }
button { border: 1px solid #767676; background: #fff; border-radius: 4px; padding: 3px 10px;
  cursor: pointer; }
button:hover { background: #eef2f7; }
button:disabled { color: #6b6b6b; cursor: default; background: #f0f0f0; }
button.primary { background: var(--primary); color: #fff; border-color: var(--primary); }
button.primary:hover { background: #083a66; }
.pager { display: inline-flex; gap: 6px; align-items: center; }
.status-row { margin: 4px 0 0; color: var(--muted); display: flex; gap: 16px; flex-wrap: wrap; }
#status { color: var(--ink); }
kbd { border: 1px solid #999; border-radius: 3px; padding: 0 4px; background: #f6f6f6;
  font-size: .85em; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 290px; gap: 16px;
  padding: 12px 16px; align-items: start; }
@media (max-width: 1000px) { .layout { grid-template-columns: 1fr; } }
.legend { position: sticky; top: calc(var(--head) + 12px); background: #fff;
  border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px;
  max-height: calc(100vh - var(--head) - 24px); overflow: auto; }
.legend h2 { font-size: 1rem; margin: 0 0 4px; }
.legend ul { list-style: none; padding: 0; margin: 0; }
.legend li { margin: 6px 0; font-size: .9rem; }
.legend .def { color: var(--muted); display: block; }
.how { font-size: .88rem; color: var(--muted); margin: 0 0 6px; }
.demo-ev { background: #e3ecf7; border-bottom: 3px solid #1565c0; color: var(--ink); }
.demo-cue, .cue { font-weight: 700; text-decoration: underline dotted 2px;
  text-underline-offset: 3px; }
.tag { color: #fff; font-size: .72rem; font-weight: 700; white-space: nowrap;
  padding: 1px 5px; border-radius: 3px; margin: 0 4px 0 1px; vertical-align: 1px; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px;
  vertical-align: -1px; margin-right: 4px; }
.empty { background: #fff; padding: 24px; border: 1px solid var(--line); border-radius: 6px; }
article.note { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  margin: 0 0 14px; padding: 10px 14px 12px; scroll-margin-top: calc(var(--head) + 10px); }
article.note:focus-visible, article.note.current { outline: 3px solid var(--focus);
  outline-offset: 1px; }
.note-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap;
  border-bottom: 1px solid #e2e2e2; padding-bottom: 4px; margin-bottom: 8px; }
.note-head h2 { font-size: 1.02rem; margin: 0; }
.note-head .meta { color: var(--muted); }
.badge { font-size: .8rem; border-radius: 10px; padding: 0 8px; border: 1px solid; }
.badge.done { color: #1b5e20; border-color: #1b5e20; background: #e8f5e9; }
.badge.part { color: #7a4100; border-color: #7a4100; background: #fff3e0; }
.badge.none { color: var(--muted); border-color: #8a8a8a; }
.note-body { display: grid; grid-template-columns: minmax(0, 1.5fr) minmax(280px, 1fr);
  gap: 16px; }
@media (max-width: 1100px) { .note-body { grid-template-columns: 1fr; } }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1rem; margin: 0;
  max-width: 80ch; }
.ev { -webkit-box-decoration-break: clone; box-decoration-break: clone;
  background-repeat: no-repeat; }
.panel h3 { font-size: .95rem; margin: 0 0 4px; }
fieldset { border: 1px solid #d0d0d0; border-radius: 5px; margin: 0 0 8px; padding: 4px 10px 6px; }
legend { padding: 0 4px; font-weight: 600; }
.flag legend .prob { font-weight: 400; color: var(--muted); }
.choices { display: flex; gap: 4px; flex-wrap: wrap; margin: 2px 0 4px; }
.choices label { border: 1px solid #8a8a8a; border-radius: 4px; padding: 1px 8px;
  cursor: pointer; user-select: none; }
.choices input { margin: 0 4px 0 0; vertical-align: -1px; }
.choices label.on-agree { background: #e8f5e9; border-color: #1b5e20; color: #1b5e20; }
.choices label.on-disagree { background: #fdecea; border-color: #b3261e; color: #8c1d18; }
.choices label.on-unsure { background: #fff3e0; border-color: #7a4100; color: #7a4100; }
.choices label:focus-within { outline: 3px solid var(--focus); outline-offset: 1px; }
.choices input:focus-visible { outline: none; }
.cues { font-size: .88rem; color: var(--muted); }
.cue-chip { display: inline-block; border: 1px solid #b8b8b8; border-radius: 4px;
  padding: 0 5px; margin: 2px 3px 0 0; color: var(--ink); background: #fafafa; }
.cue-chip .count { color: var(--muted); }
.mark { font-size: .76rem; border-radius: 3px; padding: 0 4px; margin-left: 3px;
  border: 1px solid; }
.mark.neg { color: #8c1d18; border-color: #8c1d18; }
.mark.hyp { color: #5b2a86; border-color: #5b2a86; }
.mark.act { color: #3b3b3b; border-color: #8a8a8a; }
.add-list { display: grid; grid-template-columns: 1fr; gap: 1px; font-size: .92rem; }
.add-list label { cursor: pointer; }
.add-list .score { color: var(--muted); }
.note-actions { display: flex; justify-content: flex-end; }
.note-actions button { font-size: .85rem; }
.noscript { padding: 16px; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("review-data").textContent);
  var LABELS = DATA.labels;
  var NOTES = DATA.notes;
  var PAGE_SIZE = 25;
  var STORE_KEY = "ethicsnlp-review:" + DATA.key;
  var VERDICTS = ["agree", "disagree", "unsure"];
  var VERDICT_TEXT = {agree: "Agree", disagree: "Disagree", unsure: "Unsure"};
  var LABEL_POS = {};
  LABELS.forEach(function (l, i) { LABEL_POS[l.id] = i; });
  var BY_ID = {};
  NOTES.forEach(function (n) { BY_ID[n.id] = n; });
  var thresholds = DATA.model && DATA.model.thresholds;

  var state = {label: "", show: "flagged", min: 0, page: 0, view: [], current: 0};
  var storageOk = true;
  var verdicts = load();

  function load() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      var parsed = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (e) { storageOk = false; return {}; }
  }
  function save() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(verdicts)); }
    catch (e) { storageOk = false; }
    showSaved();
  }
  function showSaved() {
    document.getElementById("saved").textContent = storageOk
      ? "Verdicts are saved in this browser as you go."
      : "Browser storage unavailable: export your verdicts before closing this page.";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "cls") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function fmt(p) { return p.toFixed(2); }
  function label(id) { return LABELS[LABEL_POS[id]]; }
  function labelTitle(l) {
    return l.category + ": " + l.definition + " Not when: " + l.not_applies;
  }
  function tint(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function entry(id) { return verdicts[id] || {v: {}, add: []}; }
  function hasWork(id) {
    var e = verdicts[id];
    return !!e && (Object.keys(e.v || {}).length > 0 || (e.add || []).length > 0);
  }
  function progress(note) {
    var e = entry(note.id);
    if (!hasWork(note.id)) return "none";
    var done = note.flags.every(function (f) {
      return e.v[f] === "agree" || e.v[f] === "disagree";
    });
    return done ? "done" : "part";
  }
  function update(id, fn) {
    var e = verdicts[id] || {v: {}, add: []};
    e.v = e.v || {}; e.add = e.add || [];
    fn(e);
    if (Object.keys(e.v).length === 0 && e.add.length === 0) delete verdicts[id];
    else verdicts[id] = e;
    save();
  }

  // ---------------------------------------------------------------- filtering
  function noteScore(note) {
    return state.label ? note.scores[LABEL_POS[state.label]] : note.rank;
  }
  function computeView() {
    var lab = state.label;
    var view = NOTES.filter(function (n) {
      var flagged = lab ? n.flags.indexOf(lab) >= 0 : n.flags.length > 0;
      if (state.show === "flagged" && !flagged) return false;
      if (state.show === "unreviewed" && (!flagged || hasWork(n.id))) return false;
      if (state.show === "reviewed" && !hasWork(n.id)) return false;
      return noteScore(n) >= state.min;
    });
    if (lab) {
      var pos = LABEL_POS[lab];
      view = view.map(function (n, i) { return [n, i]; }).sort(function (a, b) {
        return (b[0].scores[pos] - a[0].scores[pos]) || (a[1] - b[1]);
      }).map(function (p) { return p[0]; });
    }
    state.view = view;
    var pages = Math.max(1, Math.ceil(view.length / PAGE_SIZE));
    if (state.page >= pages) state.page = pages - 1;
  }

  // ---------------------------------------------------------------- note text
  function assignSlots(marks) {
    var ends = [];
    marks.sort(function (a, b) { return (a.start - b.start) || (b.end - a.end); });
    marks.forEach(function (m) {
      var slot = 0;
      while (slot < ends.length && ends[slot] > m.start) slot++;
      ends[slot] = m.end;
      m.slot = slot;
    });
    return ends.length;
  }

  function renderText(note) {
    var text = note.text;
    var evs = [], cues = [];
    note.flags.forEach(function (f) {
      (note.evidence[f] || []).forEach(function (s) {
        evs.push({start: s[0], end: s[1], label: f});
      });
      (note.cues[f] || []).forEach(function (c) {
        cues.push({start: c.start, end: c.end, label: f, cue: c});
      });
    });
    var slots = assignSlots(evs);
    var BAR = 4, GAP = 2;
    var box = el("div", {cls: "text", "aria-label": "Note text"});
    box.style.lineHeight = "calc(1.55em + " + (slots * (BAR + GAP)) + "px)";
    var cuts = {0: true};
    cuts[text.length] = true;
    evs.concat(cues).forEach(function (m) { cuts[m.start] = true; cuts[m.end] = true; });
    var points = Object.keys(cuts).map(Number).sort(function (a, b) { return a - b; });
    for (var i = 0; i + 1 < points.length; i++) {
      var a = points[i], b = points[i + 1];
      evs.forEach(function (m) {
        if (m.start === a) {
          var l = label(m.label);
          var tag = el("span", {cls: "tag", title: labelTitle(l), text: m.label});
          tag.style.backgroundColor = l.color;
          box.appendChild(tag);
        }
      });
      var active = evs.filter(function (m) { return m.start <= a && m.end >= b; });
      var activeCues = cues.filter(function (m) { return m.start <= a && m.end >= b; });
      var piece = text.slice(a, b);
      if (!active.length && !activeCues.length) {
        box.appendChild(document.createTextNode(piece));
        continue;
      }
      var span = el("span", {text: piece});
      if (active.length) {
        active.sort(function (x, y) { return x.slot - y.slot; });
        span.className = "ev";
        var pad = slots * (BAR + GAP);
        span.style.paddingBottom = pad + "px";
        span.style.backgroundColor = tint(label(active[0].label).color, 0.13);
        span.style.backgroundImage = active.map(function (m) {
          var c = label(m.label).color;
          return "linear-gradient(" + c + "," + c + ")";
        }).join(",");
        span.style.backgroundSize = active.map(function () {
          return "100% " + BAR + "px";
        }).join(",");
        span.style.backgroundPosition = active.map(function (m) {
          return "0 calc(100% - " + (m.slot * (BAR + GAP)) + "px)";
        }).join(",");
        span.title = "Evidence for " + active.map(function (m) { return m.label; }).join(", ");
      }
      if (activeCues.length) {
        span.className = (span.className + " cue").trim();
        var tips = activeCues.map(function (m) { return "cue for " + m.label + cueMarks(m.cue); });
        span.title = (span.title ? span.title + "; " : "") + tips.join("; ");
      }
      box.appendChild(span);
    }
    return box;
  }
  function groupCues(text, list) {
    var groups = [], byKey = {};
    list.forEach(function (c) {
      var t = text.slice(c.start, c.end);
      var key = [t.toLowerCase(), c.actor, c.negated, c.hypothetical].join("|");
      if (byKey[key]) { byKey[key].count++; return; }
      byKey[key] = {text: t, cue: c, count: 1};
      groups.push(byKey[key]);
    });
    return groups;
  }
  function cueMarks(c) {
    var out = " (actor: " + c.actor;
    if (c.negated) out += ", negated";
    if (c.hypothetical) out += ", hypothetical";
    return out + ")";
  }

  // ---------------------------------------------------------------- note card
  function renderNote(note, index) {
    var n = index;
    var art = el("article", {cls: "note", tabindex: "0", "aria-labelledby": "h-" + n,
      "data-note-id": note.id});
    var prog = progress(note);
    var badgeText = {done: "Reviewed", part: "Partly reviewed", none: "Not reviewed"}[prog];
    var top = note.flags.length ? "top flag " + fmt(note.rank) : "no flag (highest score "
      + fmt(note.rank) + ")";
    art.appendChild(el("div", {cls: "note-head"}, [
      el("h2", {id: "h-" + n, text: "Note " + note.id}),
      el("span", {cls: "meta", text: top}),
      el("span", {cls: "badge " + prog, text: badgeText})
    ]));
    var body = el("div", {cls: "note-body"});
    body.appendChild(renderText(note));
    var panel = el("div", {cls: "panel"});
    var e = entry(note.id);
    panel.appendChild(el("h3", {text: note.flags.length
      ? "Flags: do you agree?" : "No flags"}));
    note.flags.forEach(function (f, fi) {
      var l = label(f), pos = LABEL_POS[f];
      var sw = el("span", {cls: "swatch", "aria-hidden": "true"});
      sw.style.backgroundColor = l.color;
      var probText = " " + fmt(note.scores[pos]);
      if (thresholds) probText += " (flag at " + fmt(thresholds[pos]) + ")";
      var fs = el("fieldset", {cls: "flag"});
      fs.appendChild(el("legend", {title: labelTitle(l)}, [
        sw, f, el("span", {cls: "prob", text: probText})
      ]));
      var choices = el("div", {cls: "choices"});
      VERDICTS.forEach(function (v) {
        var id = "v-" + n + "-" + fi + "-" + v;
        var input = el("input", {type: "radio", name: "v-" + n + "-" + fi, id: id, value: v,
          "data-label": f});
        if (e.v[f] === v) input.checked = true;
        input.addEventListener("change", function () {
          update(note.id, function (x) { x.v[f] = v; });
          refreshNote(art, note, index);
        });
        var lab = el("label", {"for": id, cls: e.v[f] === v ? "on-" + v : ""},
          [input, VERDICT_TEXT[v]]);
        choices.appendChild(lab);
      });
      fs.appendChild(choices);
      var cuesBox = el("div", {cls: "cues"});
      var list = note.cues[f] || [];
      if (!list.length) {
        cuesBox.appendChild(document.createTextNode(
          "No cue words matched; the flag comes from the wording as a whole."));
      } else {
        cuesBox.appendChild(document.createTextNode("Cues: "));
        groupCues(note.text, list).forEach(function (g) {
          var c = g.cue;
          var chip = el("span", {cls: "cue-chip", title: "cue for " + f + cueMarks(c)},
            ["\u201c" + g.text + "\u201d"]);
          if (g.count > 1) chip.appendChild(el("span", {cls: "count", text: " \u00d7" + g.count}));
          chip.appendChild(el("span", {cls: "mark act", text: c.actor}));
          if (c.negated) chip.appendChild(el("span", {cls: "mark neg", text: "negated"}));
          if (c.hypothetical) {
            chip.appendChild(el("span", {cls: "mark hyp", text: "hypothetical"}));
          }
          cuesBox.appendChild(chip);
        });
      }
      fs.appendChild(cuesBox);
      panel.appendChild(fs);
    });
    var add = el("fieldset", {cls: "add"});
    add.appendChild(el("legend", {text: "Add missed labels (model score)"}));
    var addList = el("div", {cls: "add-list"});
    LABELS.forEach(function (l, li) {
      if (note.flags.indexOf(l.id) >= 0) return;
      var id = "a-" + n + "-" + li;
      var box = el("input", {type: "checkbox", id: id, value: l.id});
      if ((e.add || []).indexOf(l.id) >= 0) box.checked = true;
      box.addEventListener("change", function () {
        update(note.id, function (x) {
          x.add = x.add.filter(function (a) { return a !== l.id; });
          if (box.checked) x.add.push(l.id);
        });
        refreshBadge(art, note);
      });
      addList.appendChild(el("label", {"for": id, title: labelTitle(l)}, [
        box, " " + l.id + " ", el("span", {cls: "score", text: fmt(note.scores[li])})
      ]));
    });
    add.appendChild(addList);
    panel.appendChild(add);
    var clear = el("button", {type: "button", text: "Clear my verdicts on this note"});
    clear.disabled = !hasWork(note.id);
    clear.addEventListener("click", function () {
      delete verdicts[note.id];
      save();
      refreshNote(art, note, index);
    });
    panel.appendChild(el("div", {cls: "note-actions"}, [clear]));
    body.appendChild(panel);
    art.appendChild(body);
    art.addEventListener("focusin", function () { setCurrent(art); });
    return art;
  }
  function refreshBadge(art, note) {
    var prog = progress(note);
    var badge = art.querySelector(".badge");
    badge.className = "badge " + prog;
    badge.textContent = {done: "Reviewed", part: "Partly reviewed", none: "Not reviewed"}[prog];
    art.querySelector(".note-actions button").disabled = !hasWork(note.id);
    updateStatus();
  }
  function refreshNote(art, note, index) {
    var active = document.activeElement;
    var activeId = active && art.contains(active) ? active.id : null;
    var fresh = renderNote(note, index);
    art.replaceWith(fresh);
    var again = activeId && document.getElementById(activeId);
    (again || fresh).focus({preventScroll: true});
    setCurrent(fresh);
    updateStatus();
  }

  // ---------------------------------------------------------------- page
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("article.note")); }
  function setCurrent(art) {
    cards().forEach(function (c, i) {
      c.classList.toggle("current", c === art);
      if (c === art) state.current = i;
    });
  }
  function render() {
    computeView();
    var main = document.getElementById("notes");
    main.textContent = "";
    var start = state.page * PAGE_SIZE;
    var slice = state.view.slice(start, start + PAGE_SIZE);
    if (!slice.length) {
      main.appendChild(el("p", {cls: "empty",
        text: "No notes match these filters. Lower the minimum score or choose another label."}));
    }
    slice.forEach(function (note, i) { main.appendChild(renderNote(note, start + i)); });
    var pages = Math.max(1, Math.ceil(state.view.length / PAGE_SIZE));
    var pageSel = document.getElementById("page");
    pageSel.textContent = "";
    for (var p = 0; p < pages; p++) {
      var opt = el("option", {value: String(p), text: "Page " + (p + 1) + " of " + pages});
      if (p === state.page) opt.selected = true;
      pageSel.appendChild(opt);
    }
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    state.current = 0;
    updateStatus();
  }
  function updateStatus() {
    var total = state.view.length, start = state.page * PAGE_SIZE;
    var reviewed = Object.keys(verdicts).filter(function (id) {
      return BY_ID[id] && hasWork(id);
    }).length;
    var shown = total ? (start + 1) + "\u2013" + Math.min(total, start + PAGE_SIZE) + " of "
      + total : "0 of 0";
    var order = state.label ? "by " + state.label + " score" : "by highest flagged score";
    document.getElementById("status").textContent = "Showing " + shown + " notes, " + order
      + " \u00b7 " + reviewed + " of " + NOTES.length + " notes have verdicts";
  }
  function goPage(p, focusFirst) {
    state.page = p;
    render();
    var list = cards();
    if (list.length) {
      var target = focusFirst === "last" ? list[list.length - 1] : list[0];
      focusCard(target);
    } else {
      window.scrollTo(0, 0);
    }
  }
  function focusCard(card) {
    card.focus({preventScroll: true});
    card.scrollIntoView({block: "start"});
    setCurrent(card);
  }
  function move(delta) {
    var list = cards();
    if (!list.length) return;
    var active = document.activeElement;
    var idx = list.findIndex(function (c) { return c === active || c.contains(active); });
    if (idx < 0) idx = delta > 0 ? state.current - 1 : state.current + 1;
    var next = idx + delta;
    var pages = Math.max(1, Math.ceil(state.view.length / PAGE_SIZE));
    if (next >= list.length) {
      if (state.page < pages - 1) goPage(state.page + 1, "first");
      return;
    }
    if (next < 0) {
      if (state.page > 0) goPage(state.page - 1, "last");
      return;
    }
    focusCard(list[next]);
  }

  // ---------------------------------------------------------------- export
  function csvField(value) {
    var s = String(value);
    return /[",\r\n]/.test(s) || s !== s.trim() ? "\"" + s.replace(/"/g, "\"\"") + "\"" : s;
  }
  function buildCsv() {
    var header = ["note_id", "text"].concat(LABELS.map(function (l) { return l.id; }))
      .concat(["reviewed"]);
    var lines = [header.join(",")];
    var count = 0;
    NOTES.forEach(function (note) {
      if (!hasWork(note.id)) return;
      var e = entry(note.id);
      var sure = true;
      var row = [csvField(note.id), csvField(note.text)];
      LABELS.forEach(function (l) {
        var value = 0;
        if (note.flags.indexOf(l.id) >= 0) {
          var v = e.v[l.id];
          if (v === "disagree") value = 0;
          else { value = 1; if (v !== "agree") sure = false; }
        }
        if ((e.add || []).indexOf(l.id) >= 0) value = 1;
        row.push(String(value));
      });
      row.push(sure ? "yes" : "unsure");
      lines.push(row.join(","));
      count++;
    });
    return {csv: lines.join("\r\n") + "\r\n", count: count};
  }
  function exportCsv() {
    var out = buildCsv();
    var status = document.getElementById("status");
    if (!out.count) {
      status.textContent = "Nothing to export yet: mark at least one flag or add a label.";
      return;
    }
    var blob = new Blob([out.csv], {type: "text/csv;charset=utf-8"});
    var url = URL.createObjectURL(blob);
    var a = el("a", {href: url, download: "ethicsnlp-verdicts.csv"});
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
    status.textContent = "Exported verdicts on " + out.count + " notes to ethicsnlp-verdicts.csv.";
  }

  // ---------------------------------------------------------------- controls
  function setup() {
    var sel = document.getElementById("f-label");
    sel.appendChild(el("option", {value: "", text: "Any label"}));
    LABELS.forEach(function (l) {
      var count = NOTES.filter(function (n) { return n.flags.indexOf(l.id) >= 0; }).length;
      sel.appendChild(el("option", {value: l.id, title: labelTitle(l),
        text: l.id + " (" + count + " flagged)"}));
    });
    var legend = document.getElementById("legend-list");
    LABELS.forEach(function (l) {
      var sw = el("span", {cls: "swatch", "aria-hidden": "true"});
      sw.style.backgroundColor = l.color;
      legend.appendChild(el("li", {title: labelTitle(l)}, [
        sw, el("strong", {text: l.id}), " \u2013 " + l.category,
        el("span", {cls: "def", text: l.definition})
      ]));
    });
    sel.addEventListener("change", function () {
      state.label = sel.value; state.page = 0; render();
    });
    var show = document.getElementById("f-show");
    show.addEventListener("change", function () {
      state.show = show.value; state.page = 0; render();
    });
    var min = document.getElementById("f-min");
    min.addEventListener("input", function () {
      var v = parseFloat(min.value);
      state.min = isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
      state.page = 0;
      render();
    });
    document.getElementById("prev").addEventListener("click", function () {
      if (state.page > 0) goPage(state.page - 1, "first");
    });
    document.getElementById("next").addEventListener("click", function () {
      goPage(state.page + 1, "first");
    });
    var pageSel = document.getElementById("page");
    pageSel.addEventListener("change", function () {
      goPage(parseInt(pageSel.value, 10), "first");
    });
    document.getElementById("export").addEventListener("click", exportCsv);
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      var tag = t && t.tagName;
      var typing = tag === "SELECT" || tag === "TEXTAREA" ||
        (tag === "INPUT" && t.type !== "radio" && t.type !== "checkbox");
      if (typing) return;
      var onCard = t && t.tagName === "ARTICLE";
      var down = ev.key === "j" || (onCard && ev.key === "ArrowDown");
      var up = ev.key === "k" || (onCard && ev.key === "ArrowUp");
      if (down || up) { ev.preventDefault(); move(down ? 1 : -1); }
    });
    window.addEventListener("storage", function (ev) {
      if (ev.key === STORE_KEY) { verdicts = load(); render(); }
    });
    var header = document.querySelector("header.top");
    function headHeight() {
      document.documentElement.style.setProperty("--head", header.offsetHeight + "px");
    }
    window.addEventListener("resize", headHeight);
    headHeight();
    showSaved();
    render();
  }
  setup();
})();
"""
