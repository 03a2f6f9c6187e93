"""Batch scoring of large note files: streaming, multi-process, resumable.

``score_file`` reads the input in chunks, scores each chunk, and writes each
chunk's output as a part file in ``OUTPUT.parts/`` (each renamed into place when
complete). When every chunk is done the parts are joined into ``OUTPUT`` (via a
temporary file renamed into place) and the parts folder is removed; so memory
stays flat whatever the input size, an interrupted run leaves only the clearly
partial ``.parts`` folder, and ``resume=True`` continues from the last completed
chunk.

Rows that cannot be scored (empty, not UTF-8, over-long, duplicate id,
malformed line) stop the run with ``on_error="fail"``; with ``on_error="skip"``
they go to an errors file (row, note id, column, reason; never the text).
Always: rows in = rows written + rows reported.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ethicsnlp.data import DEFAULT_COLUMNS, Columns, file_format, file_sha256
from ethicsnlp.errors import DataError
from ethicsnlp.identifiers import find_identifier_kinds
from ethicsnlp.output import output_format, write_records
from ethicsnlp.paths import default_model_dir
from ethicsnlp.predict import records_to_frame
from ethicsnlp.stream import (
    MAX_TEXT_CHARS,
    GoodRow,
    RowProblem,
    estimate_rows,
    iter_checked_chunks,
    row_kind,
)

log = logging.getLogger(__name__)
ERROR_COLUMNS = ("row", "note_id", "column", "reason")
MAX_ROWS_LISTED = 20


@dataclass
class BatchSummary:
    """What a batch run did: counts only, never text."""

    output: str
    rows_in: int = 0
    rows_written: int = 0
    rows_reported: int = 0
    rows_flagged: int = 0
    errors_file: str | None = None
    error_reasons: dict[str, int] = field(default_factory=dict)
    identifier_notes: int = 0
    identifier_kinds: dict[str, int] = field(default_factory=dict)
    identifier_rows: list[int] = field(default_factory=list)
    chunks: int = 0
    chunks_resumed: int = 0
    seconds: float = 0.0

    def lines(self, kind: str = "row") -> list[str]:
        """Human-readable summary lines."""
        out = [
            f"{self.rows_in} notes read, {self.rows_written} written "
            f"({self.rows_flagged} flagged), {self.rows_reported} reported as errors; "
            f"output {self.output}"
        ]
        if self.rows_reported:
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.error_reasons.items()))
            out.append(f"errors ({reasons}) listed in {self.errors_file}")
        if self.identifier_notes:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.identifier_kinds.items()))
            rows = ", ".join(map(str, self.identifier_rows))
            more = " ..." if self.identifier_notes > len(self.identifier_rows) else ""
            out.append(
                f"warning: {self.identifier_notes} notes still look like they hold "
                f"identifiers ({kinds}) at {kind}s {rows}{more}"
            )
        if self.chunks_resumed:
            out.append(f"resumed: {self.chunks_resumed} of {self.chunks} chunks were already done")
        return out


@cache
def cached_model(folder: str):
    """The model in ``folder``, loaded once per process."""
    from ethicsnlp.predict import load_model

    return load_model(folder)


def score_chunk(folder: str, ids: list[str], texts: list[str], batch_size: int) -> list[dict]:
    """Score one chunk with the model in ``folder`` (loaded once per process)."""
    if not texts:
        return []
    return cached_model(folder).predict(texts, ids, batch_size=batch_size)


def _atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: Any) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data), encoding="utf-8"))


def _join_parts(parts: list[Path], output: Path, kind: str) -> None:
    def write(tmp: Path) -> None:
        if kind == "parquet":
            import pyarrow.parquet as pq

            non_empty = [part for part in parts if pq.ParquetFile(part).metadata.num_rows]
            if not non_empty:
                records_to_frame([]).to_parquet(tmp, index=False)
                return
            schema = pq.read_schema(non_empty[0])
            with pq.ParquetWriter(tmp, schema) as writer:
                for part in non_empty:
                    writer.write_table(pq.read_table(part, schema=schema))
            return
        with tmp.open("wb") as handle:
            if kind == "csv":
                handle.write(records_to_frame([]).to_csv(index=False).encode("utf-8"))
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, handle)

    _atomic_write(output, write)


def _manifest(input_path: Path, model_dir: Path, options: dict) -> dict:
    model_sum = hashlib.sha256((model_dir / "checksums.sha256").read_bytes()).hexdigest()
    return {"input_sha256": file_sha256(input_path), "model_checksums": model_sum, **options}


class _Progress:
    """Progress on stderr: notes done, notes/s and ETA (no text, ever)."""

    def __init__(self, total: int | None, quiet: bool) -> None:
        self.total, self.quiet = total, quiet
        self.started = time.perf_counter()
        self.last = 0.0
        self.last_done = -1

    def update(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        if self.quiet or done == self.last_done or (not final and now - self.last < 2.0):
            return
        self.last, self.last_done = now, done
        rate = done / max(now - self.started, 1e-9)
        eta = ""
        if self.total and rate > 0 and done < self.total:
            eta = f", ETA {int((self.total - done) / rate)} s"
        of = f"/~{self.total}" if self.total else ""
        print(f"scored {done}{of} notes ({rate:.0f} notes/s{eta})", file=sys.stderr, flush=True)


def _dask_scored_chunks(
    chunks: Iterator[tuple[int, list[str], list[str]]],
    folder: str,
    batch_size: int,
    n_process: int,
    scheduler: str | None,
) -> Iterator[tuple[int, list[dict]]]:
    """Score chunks on a Dask cluster (``scheduler`` address, or a local cluster of
    ``n_process`` single-threaded worker processes). Each worker loads the model once
    (the folder must be readable by the workers); results come back in input order."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DataError(
            "--engine dask needs the optional extra: pip install 'ethicsnlp[dask]'"
        ) from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise DataError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({type(exc).__name__}); "
                "check the address and that the scheduler is running"
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=n_process,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    try:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        in_flight: list[tuple[int, Any]] = []
        for index, ids, texts in chunks:
            in_flight.append(
                (index, client.submit(score_chunk, folder, ids, texts, batch_size, pure=False))
            )
            if len(in_flight) >= 2 * workers:
                first, future = in_flight.pop(0)
                yield first, future.result()
        for index, future in in_flight:
            yield index, future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _worker_pool(folder: str, n_process: int) -> Any:
    """``n_process`` worker processes that score chunks.

    On Linux the workers are forked after this process has loaded the model and
    built the spaCy pipeline, so they start at once and share that memory
    (copy-on-write); elsewhere (no safe ``fork``) they are loky processes that
    each load the model once.
    """
    if sys.platform.startswith("linux"):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from ethicsnlp.nlp import get_nlp

        cached_model(folder)
        get_nlp()
        return ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("fork"))
    from joblib.externals.loky import get_reusable_executor

    return get_reusable_executor(max_workers=n_process)


def _scored_chunks(
    chunks: Iterator[tuple[int, list[str], list[str]]], folder: str, batch_size: int, n_process: int
) -> Iterator[tuple[int, list[dict]]]:
    """Score chunks in order; with ``n_process > 1`` several chunks at once in worker
    processes (see :func:`_worker_pool`). At most ``2 * n_process`` chunks are in
    flight, so memory stays flat; a new chunk is submitted as soon as the oldest
    one is done, so no worker waits for the slowest of a batch."""
    if n_process <= 1:
        for index, ids, texts in chunks:
            yield index, score_chunk(folder, ids, texts, batch_size)
        return
    pool = _worker_pool(folder, n_process)
    pending: deque[tuple[int, Any]] = deque()
    try:
        for index, ids, texts in chunks:
            pending.append((index, pool.submit(score_chunk, folder, ids, texts, batch_size)))
            if len(pending) >= 2 * n_process:
                oldest, future = pending.popleft()
                yield oldest, future.result()
        while pending:
            oldest, future = pending.popleft()
            yield oldest, future.result()
    finally:
        for _, future in pending:
            future.cancel()
        if sys.platform.startswith("linux"):  # forked pool is ours; loky's is reused
            pool.shutdown(wait=True, cancel_futures=True)


def _refuse_overwriting_input(input_path: Path, output: Path, errors_path: Path) -> None:
    """A :class:`DataError` when the output or errors file would replace the notes
    being read (``predict notes.csv -o notes.csv``): the notes would be lost."""
    source = input_path.resolve()
    for name, target in (("output", output), ("errors file", errors_path)):
        if target.resolve() == source:
            raise DataError(
                f"the {name} would overwrite the notes being read; choose another path",
                path=input_path,
            )
    if output.resolve() == errors_path.resolve():
        raise DataError(f"the errors file and the output are the same file ({output})")


def score_file(
    input_path: str | Path,
    output: str | Path,
    *,
    model: str | Path | None = None,
    columns: Columns = DEFAULT_COLUMNS,
    chunk_size: int = 1000,
    batch_size: int = 64,
    n_process: int = 1,
    on_error: str = "fail",
    errors_file: str | Path | None = None,
    resume: bool = False,
    strict_deid: bool = False,
    max_chars: int = MAX_TEXT_CHARS,
    quiet: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
) -> BatchSummary:
    """Score every note of ``input_path`` into ``output`` (.jsonl, .csv or .parquet).

    See the module docstring for the guarantees. Raises :class:`DataError` for a
    user mistake (bad file, bad row with ``on_error="fail"``, identifiers with
    ``strict_deid``), leaving no output file behind. ``engine="dask"`` scores
    the chunks on a Dask cluster (``scheduler`` address, or a local one); reading,
    checking and writing stay here, so the output is identical to the local engine.
    """
    started = time.perf_counter()
    input_path, output = Path(input_path), Path(output)
    kind = output_format(output)
    if engine not in ("local", "dask"):
        raise DataError(f"--engine must be 'local' or 'dask', got {engine!r}")
    if on_error not in ("fail", "skip"):
        raise DataError(f"--on-error must be 'fail' or 'skip', got {on_error!r}")
    if not input_path.exists():
        raise DataError("no such file or folder", path=input_path)
    file_format(input_path)
    model_dir = Path(model) if model is not None else default_model_dir()
    cached_model(str(model_dir))  # fail early on a bad model folder
    errors_path = (
        Path(errors_file) if errors_file else output.with_name(output.name + ".errors.csv")
    )
    _refuse_overwriting_input(input_path, output, errors_path)
    parts_dir = output.with_name(output.name + ".parts")
    options = {
        "chunk_size": chunk_size,
        "columns": [columns.id, columns.text],
        "max_chars": max_chars,
        "format": kind,
    }
    manifest = _manifest(input_path, model_dir, options)
    if parts_dir.exists():
        previous = None
        with contextlib.suppress(OSError, json.JSONDecodeError):
            previous = json.loads((parts_dir / "manifest.json").read_text(encoding="utf-8"))
        if not resume:
            raise DataError(
                f"an interrupted run left {parts_dir}; rerun with --resume to "
                "continue it, or delete that folder to start again"
            )
        if previous != manifest:
            raise DataError(
                f"{parts_dir} belongs to another input, model or options; delete it to start again"
            )
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        parts_dir.mkdir()
        _write_json(parts_dir / "manifest.json", manifest)

    summary = BatchSummary(output=str(output))
    kinds_counter: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    progress = _Progress(estimate_rows(input_path), quiet)
    kind_word = row_kind(input_path)

    def pending() -> Iterator[tuple[int, list[str], list[str]]]:
        for index, chunk in enumerate(
            iter_checked_chunks(
                input_path, columns=columns, chunk_size=chunk_size, max_chars=max_chars
            )
        ):
            summary.chunks += 1
            summary.rows_in += len(chunk)
            part = parts_dir / f"part-{index:06d}.{kind}"
            meta = parts_dir / f"meta-{index:06d}.json"
            if part.exists() and meta.exists():
                summary.chunks_resumed += 1
                _account(json.loads(meta.read_text(encoding="utf-8")))
                continue
            good = [row for row in chunk if isinstance(row, GoodRow)]
            problems = [row for row in chunk if isinstance(row, RowProblem)]
            if problems and on_error == "fail":
                first = problems[0]
                raise DataError(
                    f"{first.reason}; rerun with --on-error skip to score the other "
                    "rows and list the bad ones",
                    path=input_path,
                    row=first.row,
                    column=first.column or None,
                    row_kind=kind_word,
                )
            identifiers = {}
            for row in good:
                found = find_identifier_kinds(row.text)
                if found:
                    identifiers[row.row] = found
            if identifiers and strict_deid:
                first_row = min(identifiers)
                raise DataError(
                    f"the note looks like it still holds identifiers "
                    f"({', '.join(identifiers[first_row])}); de-identify it or drop "
                    "--strict-deid",
                    path=input_path,
                    row=first_row,
                    column=columns.text,
                    row_kind=kind_word,
                )
            pending_meta[index] = {
                "problems": [[p.row, p.note_id, p.column, p.reason] for p in problems],
                "identifiers": {str(k): v for k, v in identifiers.items()},
                "written": len(good),
            }
            yield index, [row.note_id for row in good], [row.text for row in good]

    def _account(meta: dict) -> None:
        summary.rows_written += meta["written"]
        summary.rows_flagged += meta.get("flagged", 0)
        summary.rows_reported += len(meta["problems"])
        reasons.update(p[3] for p in meta["problems"])
        for row, found in meta["identifiers"].items():
            summary.identifier_notes += 1
            kinds_counter.update(found)
            if len(summary.identifier_rows) < MAX_ROWS_LISTED:
                summary.identifier_rows.append(int(row))

    pending_meta: dict[int, dict] = {}
    try:
        scored = (
            _dask_scored_chunks(
                pending(), str(model_dir.resolve()), batch_size, n_process, scheduler
            )
            if engine == "dask"
            else _scored_chunks(pending(), str(model_dir), batch_size, n_process)
        )
        for index, records in scored:
            meta = pending_meta.pop(index)
            meta["flagged"] = sum(1 for r in records if r["labels"])
            write_records(records, parts_dir / f"part-{index:06d}.{kind}", header=False)
            _write_json(parts_dir / f"meta-{index:06d}.json", meta)
            _account(meta)
            progress.update(summary.rows_written)
    except DataError:
        shutil.rmtree(parts_dir, ignore_errors=True)
        raise
    progress.update(summary.rows_written, final=True)

    parts = [parts_dir / f"part-{i:06d}.{kind}" for i in range(summary.chunks)]
    problems = []
    for i in range(summary.chunks):
        problems.extend(
            json.loads((parts_dir / f"meta-{i:06d}.json").read_text(encoding="utf-8"))["problems"]
        )
    if summary.rows_in != summary.rows_written + summary.rows_reported:
        raise RuntimeError("row accounting mismatch: rows in != rows written + rows reported")
    if problems:

        def write_errors(tmp: Path) -> None:
            with tmp.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(ERROR_COLUMNS)
                writer.writerows(problems)

        _atomic_write(errors_path, write_errors)
        summary.errors_file = str(errors_path)
    elif errors_path.exists():
        errors_path.unlink()
    if summary.rows_written == 0:
        shutil.rmtree(parts_dir)
        raise DataError(
            f"none of the {summary.rows_reported} rows could be scored, so no output was "
            f"written; every row is listed in {errors_path} (most common reason: "
            f"{reasons.most_common(1)[0][0]})",
            path=input_path,
        )
    _join_parts(parts, output, kind)
    shutil.rmtree(parts_dir)
    summary.error_reasons = dict(reasons)
    summary.identifier_kinds = dict(kinds_counter)
    summary.identifier_rows.sort()
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary
