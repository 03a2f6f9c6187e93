"""Batch-scoring speed and memory, as ratios measured in one run.

    uv run python benchmarks/throughput.py                 # defaults: 2,000 notes; RSS at 2k vs 20k
    uv run python benchmarks/throughput.py --notes 10000 --rss-sizes 10000 200000

Prints:
- predict throughput vs bare ``spacy.blank("en")`` tokenisation of the same notes
  (target: >= 0.5x per process);
- 2 processes vs 1 (target: >= 1.7x);
- peak RSS of a whole ``ethicsnlp predict`` run at two input sizes (target: <= 600 MB
  and flat in input size).
Machines are noisy: compare ratios from one run, not seconds across runs.

Each run is a whole ``ethicsnlp predict`` command, start-up included; the start-up
itself (a one-note run) is printed too, with the rate once it is taken away. Child
processes import from a bytecode cache warmed before timing (in a temporary
``PYTHONPYCACHEPREFIX``), as an installed tool does after its first run, even where
``PYTHONDONTWRITEBYTECODE`` is set; there, every import would otherwise be compiled
from source on every run (about 6 s here). ``--cold-bytecode`` times that case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
SOURCE = [ROOT / "data/labelled/gold_train.jsonl", ROOT / "data/labelled/gold_dev.jsonl"]


def make_notes(path: Path, n: int) -> Path:
    """Write ``n`` notes cycled from the bundled notes, with fresh ids."""
    texts = [json.loads(line)["text"] for f in SOURCE for line in f.open(encoding="utf-8")]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"note_id": f"b{i:07d}", "text": texts[i % len(texts)]}) + "\n")
    return path


def tokenise_rate(path: Path) -> float:
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    nlp = spacy.blank("en")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return len(texts) / (time.perf_counter() - started)


#: Environment of the timed child processes (``None``: this process's own).
CHILD_ENV: dict[str, str] | None = None


def use_bytecode_cache(folder: Path) -> None:
    """Let the timed children write and read compiled bytecode under ``folder``."""
    global CHILD_ENV
    CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(folder)


def predict_run(
    path: Path, out: Path, n_process: int, model: str | None, extra: tuple[str, ...] = ()
) -> dict:
    """Run ``ethicsnlp predict`` in a child process; return notes/s and the child's
    peak RSS in MB (from ``wait4``, so only that run's own memory counts)."""
    cmd = [
        sys.executable,
        "-m",
        "ethicsnlp",
        "predict",
        str(path),
        "-o",
        str(out),
        "--quiet",
        "--n-process",
        str(n_process),
        *extra,
    ]
    if model:
        cmd += ["-m", model]
    started = time.perf_counter()
    child = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV or None
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"predict failed: {child.stderr.read().decode()[-500:]}")
    notes = sum(1 for _ in path.open(encoding="utf-8"))
    return {
        "notes": notes,
        "seconds": seconds,
        "notes_per_s": notes / seconds,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--rss-sizes", type=int, nargs=2, default=[2000, 20000])
    parser.add_argument("--model", default=None, help="model folder (default: shipped)")
    parser.add_argument(
        "--with-dask",
        action="store_true",
        help="also time the Dask engine on a local cluster (needs the extra)",
    )
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="keep this environment's bytecode setting (no warmed cache)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        notes = make_notes(tmp_path / "notes.jsonl", args.notes)
        single = make_notes(tmp_path / "single.jsonl", 1)
        if not args.cold_bytecode:
            use_bytecode_cache(tmp_path / "pycache")
            predict_run(single, tmp_path / "warm.jsonl", 1, args.model)
        tok = tokenise_rate(notes)
        startup = predict_run(single, tmp_path / "single.out.jsonl", 1, args.model)
        one = predict_run(notes, tmp_path / "one.jsonl", 1, args.model)
        two = predict_run(notes, tmp_path / "two.jsonl", 2, args.model)
        dask_run = None
        if args.with_dask:
            dask_run = predict_run(
                notes, tmp_path / "dask.jsonl", 2, args.model, ("--engine", "dask")
            )
        rss = []
        for size in args.rss_sizes:
            path = make_notes(tmp_path / f"rss{size}.jsonl", size)
            run = predict_run(path, tmp_path / f"rss{size}.out.jsonl", 1, args.model)
            rss.append((size, run["peak_rss_mb"]))
    scoring_rate = one["notes"] / max(one["seconds"] - startup["seconds"], 1e-9)
    rows = [
        ("bare spacy.blank('en') tokenisation", f"{tok:.0f} notes/s", ""),
        (
            "ethicsnlp predict, 1 process",
            f"{one['notes_per_s']:.0f} notes/s",
            f"{one['notes_per_s'] / tok:.2f}x tokenisation (target >= 0.5x)",
        ),
        ("start-up (a one-note run)", f"{startup['seconds']:.1f} s", ""),
        (
            "ethicsnlp predict, 1 process, start-up taken away",
            f"{scoring_rate:.0f} notes/s",
            f"{scoring_rate / tok:.2f}x tokenisation",
        ),
        (
            "ethicsnlp predict, 2 processes",
            f"{two['notes_per_s']:.0f} notes/s",
            f"{two['notes_per_s'] / one['notes_per_s']:.2f}x one process (target >= 1.7x)",
        ),
    ]
    if dask_run:
        rows.append(
            (
                "ethicsnlp predict, Dask local cluster (2 workers)",
                f"{dask_run['notes_per_s']:.0f} notes/s",
                f"{dask_run['notes_per_s'] / one['notes_per_s']:.2f}x one process",
            )
        )
    for size, mb in rss:
        rows.append((f"peak RSS, {size:,} notes", f"{mb:.0f} MB", ""))
    rows.append(
        (
            "peak RSS ratio",
            f"{rss[1][1] / rss[0][1]:.2f}x",
            f"{rss[1][0] / rss[0][0]:.0f}x more notes (target: flat, <= 600 MB)",
        )
    )
    print("| measure | value | ratio |\n|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
