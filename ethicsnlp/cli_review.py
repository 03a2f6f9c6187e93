"""The ``ethicsnlp review`` command: the offline reviewer page (see :mod:`ethicsnlp.review`).

Registered on the main typer app when :mod:`ethicsnlp.cli` is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ethicsnlp.cli import IdCol, TextCol, Verbose, _fail, _setup_logging, app
from ethicsnlp.errors import EthicsNLPError


@app.command("review")
def review_command(
    predictions: Annotated[
        Path,
        typer.Argument(
            help="Predictions written by 'ethicsnlp predict' (.jsonl, .csv or .parquet).",
            exists=True,
        ),
    ],
    notes: Annotated[
        Path,
        typer.Argument(
            help="The notes those predictions were made from (CSV, JSONL, Parquet or a "
            "folder of .txt).",
            exists=True,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML page to write, e.g. review.html.")
    ],
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            "-m",
            help="Model folder that made the predictions: shows its name and flag thresholds "
            "(optional).",
        ),
    ] = None,
    id_col: IdCol = "note_id",
    text_col: TextCol = "text",
    verbose: Verbose = False,
) -> None:
    """Write one offline HTML page to review flags, mark verdicts and export them as CSV."""
    from ethicsnlp.review import build_review

    _setup_logging(verbose)
    try:
        path = build_review(
            predictions, notes, output, model=model, id_col=id_col, text_col=text_col
        )
    except (EthicsNLPError, OSError) as exc:
        _fail(exc)
    typer.echo(f"review page written to {path}; open it in a web browser", err=True)
