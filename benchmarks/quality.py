"""Honest quality benchmark: grouped cross-validation by setting.

Every model is trained and scored on the very same folds: each fold holds out
whole settings (note-id prefix), so the figures say how the model does on notes
from a setting it never saw. Prints a table and writes JSON.

    uv run python benchmarks/quality.py                       # LOGO, project model + TF-IDF peer
    uv run python benchmarks/quality.py --cv 6 --with-spacy   # + spaCy textcat_multilabel
    uv run python benchmarks/quality.py --extra data/labelled/new_settings_n1_n8.jsonl

``--eval`` files are cross-validated; ``--extra`` files are added to every
training fold and never scored (to measure what more data buys on the same
evaluation notes).

With ``--test``, there is no cross-validation: every model is trained once on the
``--eval`` and ``--extra`` files and scored on the ``--test`` files, e.g. notes
from new settings written by other writers:

    uv run python benchmarks/quality.py --extra data/labelled/new_settings_*.jsonl \
        --test data/labelled/new_settings_n42_n48.jsonl

A file given to ``--eval`` or ``--test`` is left out of ``--extra``, so a glob over
all new files can be combined with one of them held out.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline

from ethicsnlp.baselines import SpacyTextcatPeer, build_peer
from ethicsnlp.data import label_matrix, read_many
from ethicsnlp.features import NoteAnalyzer
from ethicsnlp.grouping import note_groups
from ethicsnlp.metrics import flag_metrics
from ethicsnlp.model import build_model
from ethicsnlp.taxonomy import LABEL_IDS
from ethicsnlp.train import cross_validate_views, fit_predict, with_extra

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = [ROOT / "data/labelled/gold_train.jsonl", ROOT / "data/labelled/gold_dev.jsonl"]


def training_only(extra: list[Path], scored: list[Path]) -> list[Path]:
    """The ``--extra`` files that are not also scored (``--eval`` or ``--test``), in order."""
    held = {path.resolve() for path in scored}
    return [path for path in extra if path.resolve() not in held]


def project_model(seed: int, n_jobs: int) -> Pipeline:
    return Pipeline(build_model(seed=seed, n_jobs=n_jobs).steps[1:])


def run(args: argparse.Namespace) -> dict:
    frame = read_many(args.eval, require_labels=True)
    Y = label_matrix(frame)
    groups = note_groups(frame, "prefix")
    texts = frame["text"].tolist()
    extra_frame = read_many(args.extra, require_labels=True) if args.extra else None

    started = time.perf_counter()
    analyzer = NoteAnalyzer()
    views = analyzer.transform(texts)
    analyse_seconds = time.perf_counter() - started
    extra_views = extra_texts = None
    if extra_frame is not None:
        extra_views = (
            analyzer.transform(extra_frame["text"].tolist()),
            label_matrix(extra_frame),
            note_groups(extra_frame, "prefix"),
        )
        extra_texts = (
            extra_frame["text"].tolist(),
            label_matrix(extra_frame),
            note_groups(extra_frame, "prefix"),
        )

    results = {}
    runs = [
        ("ethicsnlp", lambda: project_model(args.seed, args.n_jobs), views, extra_views),
        ("tfidf_peer", lambda: build_peer(seed=args.seed, n_jobs=args.n_jobs), texts, extra_texts),
    ]
    if args.with_spacy:
        runs.append(
            (
                "spacy_textcat",
                lambda: SpacyTextcatPeer(epochs=args.spacy_epochs, seed=args.seed),
                texts,
                extra_texts,
            )
        )
    test = held_out_test(args, analyzer) if args.test else None
    for name, make, X, extra in runs:
        if test is not None:
            logging.info("training %s once, scoring the test files", name)
            results[name] = test_once(make, name, X, Y, groups, extra, test)
            continue
        logging.info("cross-validating %s", name)
        out = cross_validate_views(make, X, Y, groups, cv=args.cv, seed=args.seed, extra=extra)
        timing = {"cv_fit_and_predict_seconds": out["fit_seconds"]}
        if name == "ethicsnlp":
            timing["spacy_analysis_seconds"] = round(analyse_seconds, 1)
        results[name] = {**out["metrics"], "per_group_macro_f1": out["per_group"], **timing}
        if name == "ethicsnlp" and args.errors:
            write_errors(args.errors, frame, Y, out)
    return {
        "mode": "held-out test files" if args.test else "grouped cross-validation",
        "test_files": [str(p) for p in args.test],
        "eval_files": [str(p) for p in args.eval],
        "extra_training_files": [str(p) for p in args.extra],
        "n_notes": len(frame),
        "n_groups": len(set(groups)),
        "seed": args.seed,
        "results": results,
    }


def held_out_test(args: argparse.Namespace, analyzer: NoteAnalyzer) -> dict:
    """The ``--test`` notes: views (for the project model), texts and labels."""
    frame = read_many(args.test, require_labels=True)
    texts = frame["text"].tolist()
    return {
        "views": analyzer.transform(texts),
        "texts": texts,
        "Y": label_matrix(frame),
    }


def test_once(make, name: str, X, Y, groups, extra, test: dict) -> dict:
    """Train ``make()`` once on ``X`` (+ ``extra``) and score the held-out test notes."""
    X, Y, groups = with_extra(X, Y, groups, extra)
    X_test = test["views"] if name == "ethicsnlp" else test["texts"]
    started = time.perf_counter()
    proba, thresholds = fit_predict(make(), X, Y, groups, X_test)
    seconds = time.perf_counter() - started
    pred = (proba >= thresholds).astype(int)
    return {**flag_metrics(test["Y"], pred, proba), "cv_fit_and_predict_seconds": round(seconds, 1)}


def write_errors(path: Path, frame, Y: np.ndarray, out: dict) -> None:
    """Write the project model's cross-validated errors with causes (no note text)."""
    from ethicsnlp.error_analysis import analyse_errors, cause_table
    from ethicsnlp.nlp import get_nlp

    docs = list(get_nlp().pipe(frame["text"].tolist(), batch_size=64))
    errors = analyse_errors(
        frame["note_id"].tolist(), docs, Y, out["proba"], out["thresholds"], out.get("withdrawn")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    errors.assign(cues=errors["cues"].map(json.dumps)).to_csv(path, index=False)
    print(cause_table(errors).T.to_string())
    print(f"errors written to {path}")


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table(report: dict) -> str:
    names = list(report["results"])
    lines = ["| label | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label in LABEL_IDS:
        cells = [_cell(report["results"][n]["per_label"][label]["f1"]) for n in names]
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    for key, title in [
        ("macro_f1", "**macro F1**"),
        ("micro_f1", "micro F1"),
        ("no_label_flagged", "no-label notes flagged"),
        ("labelled_caught", "labelled notes caught"),
    ]:
        cells = [_cell(report["results"][n][key]) for n in names]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    cells = [f"{report['results'][n]['cv_fit_and_predict_seconds']:.0f}" for n in names]
    timing = "train+predict seconds" if report.get("test_files") else "CV train+predict seconds"
    lines.append(f"| {timing} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--eval",
        nargs="+",
        type=Path,
        default=DEFAULT_EVAL,
        help="labelled files to cross-validate (default: the shared notes)",
    )
    parser.add_argument(
        "--extra",
        nargs="*",
        type=Path,
        default=[],
        help="labelled files added to every training fold, never scored",
    )
    parser.add_argument(
        "--test",
        nargs="*",
        type=Path,
        default=[],
        help="labelled files to score once after training on --eval + --extra (no CV)",
    )
    parser.add_argument(
        "--cv", type=int, default=0, help="0 = leave one setting out (default); K = group K-fold"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument(
        "--with-spacy",
        action="store_true",
        help="add spaCy textcat_multilabel as a peer (slow: ~2.5 min a fold)",
    )
    parser.add_argument("--spacy-epochs", type=int, default=8)
    parser.add_argument(
        "--errors",
        type=Path,
        default=None,
        help="also write the project model's errors with causes to this CSV",
    )
    parser.add_argument("--output", "-o", type=Path, default=ROOT / "reports/quality.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    kept = training_only(args.extra, [*args.eval, *args.test])
    for path in sorted(set(args.extra) - set(kept)):
        logging.info("%s is scored, so it is not also used as extra training data", path)
    args.extra = kept
    report = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.test:
        print(
            f"trained on {report['n_notes']} notes ({report['n_groups']} settings)"
            + (f" + {len(args.extra)} extra file(s)" if args.extra else "")
            + f"; scored on {', '.join(p.name for p in args.test)}"
        )
    else:
        print(
            f"grouped CV over {report['n_notes']} notes, {report['n_groups']} settings "
            f"({'leave one setting out' if args.cv == 0 else f'group {args.cv}-fold'})"
            + (f"; extra training-only files: {len(args.extra)}" if args.extra else "")
        )
    print(table(report))
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
