"""The ``ethicsnlp`` command line: one typer app, each command a thin wrapper
over a plain function that is also the Python API."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from ethicsnlp.data import Columns
from ethicsnlp.errors import EthicsNLPError
from ethicsnlp.stream import MAX_TEXT_CHARS
from ethicsnlp.taxonomy import LABELS

app = typer.Typer(
    name="ethicsnlp",
    help="Flag possible ethical issues in de-identified psychotherapy notes for human review.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

IdCol = Annotated[str, typer.Option("--id-col", help="Name of the note id column.")]
TextCol = Annotated[str, typer.Option("--text-col", help="Name of the note text column.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")]


def _conditional_pairs(values: list[str] | None) -> list[tuple[str, ...]] | None:
    """``--conditional`` values as ``(target, gate)`` pairs; ``None`` (not given) keeps
    the project's default, ``none`` means no second classifier."""
    if values is None:
        return None
    if [value.strip().lower() for value in values] == ["none"]:
        return []
    return [tuple(value.split(":", 1)) for value in values]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def _fail(exc: Exception) -> None:
    """Print one line for a user mistake (or an unusable path) and exit 2."""
    if isinstance(exc, OSError) and not isinstance(exc, EthicsNLPError):
        where = f" {exc.filename}" if exc.filename else ""
        message = f"cannot read or write{where}: {exc.strerror or type(exc).__name__}"
    else:
        message = str(exc)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _fmt(value: float | None, digits: int = 3) -> str:
    """A metric for the terminal: ``n/a`` when it is undefined (``None``)."""
    return "n/a" if value is None else f"{value:.{digits}f}"


@app.command("labels")
def labels_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Print the ten label ids, their categories and definitions."""
    if as_json:
        typer.echo(json.dumps([label.__dict__ for label in LABELS], indent=2))
        return
    for label in LABELS:
        typer.echo(f"{label.id:32s} {label.category}")
        typer.echo(f"{'':32s} {label.definition}")


@app.command("train")
def train_command(
    data: Annotated[
        list[Path], typer.Argument(help="Labelled note files (CSV, JSONL, Parquet).", exists=True)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    cv: Annotated[
        int,
        typer.Option(
            help="Grouped cross-validation folds for the model card: 0 = leave one group "
            "out, -1 = skip."
        ),
    ] = 5,
    group_by: Annotated[
        str, typer.Option(help="Group for CV: 'prefix' (of note_id), 'column:NAME' or 'none'.")
    ] = "prefix",
    compare_peer: Annotated[
        bool, typer.Option(help="Also cross-validate the TF-IDF peer on the same folds.")
    ] = False,
    cv_on: Annotated[
        list[Path] | None,
        typer.Option(
            help="Cross-validate only these training files (repeatable); the other files' "
            "notes join every training fold."
        ),
    ] = None,
    parent: Annotated[
        Path | None,
        typer.Option(help="Model folder this one is retrained from (recorded as lineage)."),
    ] = None,
    n_jobs: Annotated[
        int,
        typer.Option(
            help="Labels fitted in parallel (-1 = all cores); results do not depend on it."
        ),
    ] = -1,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="Replace a model already in the output folder (swapped in only when the "
            "new one is complete)."
        ),
    ] = False,
    conditional: Annotated[
        list[str] | None,
        typer.Option(
            help="TARGET:GATE label ids (repeatable): decide TARGET on notes flagged GATE "
            "by a second classifier trained on GATE notes only. Default: "
            "exploitation:dual_relationship (skipped with a warning when the data hold "
            "too few such notes); 'none' for no second classifier (see "
            "docs/experiments.md)."
        ),
    ] = None,
    issue_gate: Annotated[
        bool,
        typer.Option(
            help="Also fit an 'any issue' classifier and withdraw every flag from notes "
            "it finds unlikely to have any issue (threshold tuned on the inner split; "
            "see docs/experiments.md). On by default."
        ),
    ] = True,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Train a model on labelled notes and write a model folder with its model card."""
    from ethicsnlp.train import train

    _setup_logging(verbose)
    try:
        card = train(
            data,
            output,
            seed=seed,
            cv=cv,
            group_by=group_by,
            compare_peer=compare_peer,
            columns=Columns(id_col, text_col),
            parent=parent,
            n_jobs=n_jobs,
            cv_on=cv_on,
            overwrite=overwrite,
            conditional=_conditional_pairs(conditional),
            issue_gate=issue_gate,
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    metrics = card.get("cv_metrics")
    typer.echo(f"model written to {output}")
    if metrics:
        typer.echo(
            f"{metrics['cv']}: macro F1 {_fmt(metrics['macro_f1'])}, "
            f"no-label notes flagged {_fmt(metrics['no_label_flagged'])}"
        )


@app.command("evaluate")
def evaluate_command(
    data: Annotated[Path, typer.Argument(help="Labelled note file.", exists=True)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Report folder to write.")],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model folder (default: shipped).")
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(help="Leave all note text out of report.html (ids, labels and scores only)."),
    ] = False,
    n_boot: Annotated[
        int,
        typer.Option(min=0, help="Bootstrap resamples of the notes for 95% intervals (0 = none)."),
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")] = 0,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Evaluate a model on labelled notes: metrics.json, report.md and report.html."""
    from ethicsnlp.evaluate import evaluate

    _setup_logging(verbose)
    try:
        metrics = evaluate(
            data,
            model,
            output,
            columns=Columns(id_col, text_col),
            redact=redact,
            n_boot=n_boot,
            seed=seed,
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    typer.echo(
        f"macro F1 {_fmt(metrics['macro_f1'])}, micro F1 {_fmt(metrics['micro_f1'])}; "
        f"report in {output}"
    )


@app.command("predict")
def predict_command(
    input: Annotated[
        Path, typer.Argument(help="Notes: CSV, JSONL, Parquet or a folder of .txt.", exists=True)
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output file: .jsonl, .csv or .parquet.")
    ],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model folder (default: shipped).")
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            help="'fail': stop at the first bad row (nothing written); 'skip': score the other "
            "rows and list bad ones (row, note id, reason) in the errors file."
        ),
    ] = "fail",
    errors_file: Annotated[
        Path | None,
        typer.Option(help="Where skipped rows are listed (default: OUTPUT.errors.csv)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted run from its last completed chunk.")
    ] = False,
    chunk_size: Annotated[
        int,
        typer.Option(
            min=1, help="Notes read, scored and written per chunk (memory is flat in file size)."
        ),
    ] = 1000,
    batch_size: Annotated[int, typer.Option(min=1, help="spaCy batch size.")] = 64,
    n_process: Annotated[
        int, typer.Option(min=1, help="Worker processes scoring chunks in parallel.")
    ] = 1,
    strict_deid: Annotated[
        bool, typer.Option(help="Treat notes that still look like they hold identifiers as errors.")
    ] = False,
    max_chars: Annotated[
        int,
        typer.Option(min=1, help="Longest note accepted, in characters; longer rows are errors."),
    ] = MAX_TEXT_CHARS,
    engine: Annotated[
        str,
        typer.Option(
            help="'local' (this machine, --n-process workers) or 'dask' (a Dask cluster: "
            "--scheduler ADDRESS, or a local cluster of --n-process workers; needs the "
            "'dask' extra)."
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address for --engine dask, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Score every note and write flags, probabilities and evidence spans.

    Streams the input in chunks; the output appears only when the run is complete.
    """
    from ethicsnlp.batch import score_file

    _setup_logging(verbose)
    try:
        summary = score_file(
            input,
            output,
            model=model,
            columns=Columns(id_col, text_col),
            chunk_size=chunk_size,
            batch_size=batch_size,
            n_process=n_process,
            on_error=on_error,
            errors_file=errors_file,
            resume=resume,
            strict_deid=strict_deid,
            max_chars=max_chars,
            quiet=quiet,
            engine=engine,
            scheduler=scheduler,
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    from ethicsnlp.stream import row_kind

    for line in summary.lines(row_kind(input)):
        typer.echo(line, err=True)


@app.command("info")
def info_command(
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model folder (default: shipped).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole card as JSON.")] = False,
) -> None:
    """Summarise a model card: data, versions, thresholds and cross-validated metrics."""
    from ethicsnlp.paths import default_model_dir
    from ethicsnlp.persist import read_card

    try:
        card = read_card(model or default_model_dir())
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(card, indent=2))
        return
    data = card.get("training_data", {})
    typer.echo(
        f"model: {card.get('name')}  created {card.get('created_at')}  seed {card.get('seed')}"
    )
    typer.echo(
        f"trained on {data.get('rows')} notes ({data.get('groups')} groups), "
        f"data sha256 {str(data.get('sha256'))[:16]}..."
    )
    versions = card.get("versions", {})
    typer.echo("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for pair in card.get("conditional", []):
        typer.echo(
            f"second classifier: {pair['target']} decided on notes flagged {pair['gate']}"
        )
    if "issue_gate" in card:
        typer.echo(
            "issue gate: no flags on notes whose probability of any issue is below "
            f"{card['issue_gate']['threshold']:.2f}"
        )
    metrics = card.get("cv_metrics")
    if metrics:
        typer.echo(
            f"{metrics['cv']}: macro F1 {_fmt(metrics['macro_f1'])}, micro F1 "
            f"{_fmt(metrics['micro_f1'])}, no-label flagged "
            f"{_fmt(metrics['no_label_flagged'])}, "
            f"labelled caught {_fmt(metrics['labelled_caught'])}"
        )
    peer = card.get("peer_cv_metrics")
    if peer:
        typer.echo(
            f"TF-IDF peer on the same folds: macro F1 {_fmt(peer['macro_f1'])}, no-label "
            f"flagged {_fmt(peer['no_label_flagged'])}"
        )
    header = f"{'label':32s} {'threshold':>9s} {'cv F1':>6s}" + (
        f" {'peer F1':>7s}" if peer else ""
    )
    typer.echo(header)
    for label, threshold in card.get("thresholds", {}).items():
        f1 = metrics["per_label"][label]["f1"] if metrics else None
        line = f"{label:32s} {threshold:9.2f} {_fmt(f1):>6s}"
        if peer:
            line += f" {_fmt(peer['per_label'][label]['f1']):>7s}"
        typer.echo(line)


from ethicsnlp import cli_retrain  # noqa: E402, F401, I001  (registers validate/compare/audit/suggest)
from ethicsnlp import cli_review  # noqa: E402, F401  (registers "review")


def main() -> None:
    """Entry point for ``python -m ethicsnlp``."""
    app()
