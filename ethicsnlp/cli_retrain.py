"""Retraining commands, registered on the main ``ethicsnlp`` app:

``validate`` (check files before training), ``compare`` (two models on the same
labelled notes), ``audit`` (likely label errors) and ``suggest`` (notes worth
labelling next). Each is a thin wrapper over a plain function in
:mod:`ethicsnlp.validate`, :mod:`ethicsnlp.compare`, :mod:`ethicsnlp.audit` and
:mod:`ethicsnlp.suggest`. Output names files, rows, ids and labels, never text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ethicsnlp.cli import IdCol, TextCol, Verbose, _fail, _setup_logging, app
from ethicsnlp.data import Columns
from ethicsnlp.errors import EthicsNLPError
from ethicsnlp.taxonomy import LABEL_IDS

ModelOpt = Annotated[
    Path | None, typer.Option("--model", "-m", help="Model folder (default: shipped).")
]


@app.command("validate")
def validate_command(
    data: Annotated[
        list[Path], typer.Argument(help="Note files to check together (CSV, JSONL, Parquet).")
    ],
    near: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Cosine similarity (TF-IDF char 3-5-grams) for near-duplicates."
        ),
    ] = 0.9,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the findings as JSON here.")
    ] = None,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Check files before training: schema, labels, ids across files, duplicates.

    Exit 0 with warnings (duplicate or near-duplicate texts, rare labels), 2 on
    errors (unreadable or invalid files, a note id in two files).
    """
    from ethicsnlp.validate import validate_files

    _setup_logging(verbose)
    report = validate_files(data, columns=Columns(id_col, text_col), near_threshold=near)
    for info in report.files:
        kind = "labelled" if info["labelled"] else "unlabelled"
        typer.echo(f"{info['path']}: {info['rows']} notes, {kind}")
    if report.label_counts is not None:
        total = sum(f["rows"] for f in report.files)
        typer.echo(f"label counts over {total} notes ({report.no_label_notes} with no label):")
        for label, count in report.label_counts.items():
            typer.echo(f"  {label:32s} {count:6d}")
    for warning in report.warnings:
        typer.echo(f"warning: {warning}")
    for error in report.errors:
        typer.echo(f"error: {error}", err=True)
    if json_out is not None:
        from ethicsnlp.evaluate import write_text_atomic

        json_out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(json_out, json.dumps(report.to_dict(), indent=2) + "\n")
    if not report.ok:
        raise typer.Exit(code=2)
    typer.echo(f"ok: {len(report.warnings)} warning(s)")


@app.command("compare")
def compare_command(
    model_a: Annotated[Path, typer.Argument(help="Model folder A (e.g. the current model).")],
    model_b: Annotated[Path, typer.Argument(help="Model folder B (e.g. the retrained model).")],
    data: Annotated[Path, typer.Argument(help="Labelled notes neither model trained on.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for compare.json and compare.md.")
    ],
    n_boot: Annotated[
        int, typer.Option(min=1, help="Paired bootstrap resamples of the notes.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")] = 0,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Compare two models on the same labelled notes, with a verdict.

    Per-label and macro F1 of both, paired bootstrap 95% intervals of B - A,
    McNemar tests and the notes whose flags changed (ids only).
    """
    from ethicsnlp.compare import compare_models

    _setup_logging(verbose)
    try:
        result = compare_models(
            model_a,
            model_b,
            data,
            output,
            columns=Columns(id_col, text_col),
            n_boot=n_boot,
            seed=seed,
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    typer.echo(result["verdict"])
    typer.echo(f"{len(result['changed'])} notes changed flags; report in {output}")


@app.command("audit")
def audit_command(
    data: Annotated[list[Path], typer.Argument(help="Labelled note files to audit together.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Ranked suspects: .csv, .jsonl or .parquet.")
    ],
    cv: Annotated[int, typer.Option(min=2, help="Grouped cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    group_by: Annotated[
        str, typer.Option(help="Group for CV: 'prefix' (of note_id), 'column:NAME' or 'none'.")
    ] = "prefix",
    n_jobs: Annotated[int, typer.Option(help="Labels fitted in parallel (-1 = all cores).")] = -1,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """List likely label errors, ranked by margin (confident learning).

    Out-of-fold probabilities under grouped CV; columns note_id, label, given,
    p_model, margin. No text.
    """
    from ethicsnlp.audit import audit_labels

    _setup_logging(verbose)
    try:
        result = audit_labels(
            data,
            output,
            cv=cv,
            seed=seed,
            group_by=group_by,
            columns=Columns(id_col, text_col),
            n_jobs=n_jobs,
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    notes = result["note_id"].nunique() if len(result) else 0
    typer.echo(
        f"{len(result)} suspect labels on {notes} notes written to {output} "
        "(re-read each against docs/labels.md; a suspect is not a proven error)"
    )


@app.command("suggest")
def suggest_command(
    unlabelled: Annotated[Path, typer.Argument(help="Unlabelled notes to choose from.")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Labelling template: .csv, .jsonl or .parquet."),
    ],
    model: ModelOpt = None,
    n: Annotated[int, typer.Option("-n", "--n", min=1, help="Notes to suggest.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed for tie-breaking.")] = 0,
    pool_factor: Annotated[
        int,
        typer.Option(min=1, help="Diversity is chosen among the N x this most uncertain notes."),
    ] = 4,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Pick the notes most worth labelling next and write a labelling template.

    Uncertain (probability near a threshold) and diverse notes; the template's
    0/1 label columns hold the model's current flags and `ethicsnlp train`
    reads it back once corrected.
    """
    from ethicsnlp.audit import write_frame_atomic
    from ethicsnlp.suggest import suggest_notes

    _setup_logging(verbose)
    try:
        template = suggest_notes(
            unlabelled,
            model,
            n,
            seed=seed,
            pool_factor=pool_factor,
            columns=Columns(id_col, text_col),
        )
        write_frame_atomic(template, output)
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    typer.echo(
        f"{len(template)} notes written to {output}. The 0/1 columns "
        f"({LABEL_IDS[0]} ... {LABEL_IDS[-1]}) hold the model's current flags: check and "
        "correct every row against docs/labels.md before training on it."
    )
