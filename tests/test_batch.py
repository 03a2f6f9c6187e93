"""Batch scoring: streaming output, bad rows, resume, identifiers, privacy."""

import json
import logging

import pandas as pd
import pytest
from typer.testing import CliRunner

import ethicsnlp.batch as batch
from ethicsnlp.batch import score_file
from ethicsnlp.cli import app
from ethicsnlp.errors import DataError

CANARY = "CANARY-ZX81-PELICAN"


def write_jsonl(path, rows):
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.fixture
def notes(sample_rows, tmp_path):
    rows = [{"note_id": r["note_id"], "text": r["text"]} for r in sample_rows[:30]]
    return write_jsonl(tmp_path / "notes.jsonl", rows)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_streaming_matches_in_memory_prediction(tiny_model, tiny_model_dir, notes, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = score_file(notes, out, model=tiny_model_dir, chunk_size=7, quiet=True)
    rows = read_jsonl(notes)
    expected = tiny_model.predict([r["text"] for r in rows], [r["note_id"] for r in rows])
    assert read_jsonl(out) == expected
    assert summary.rows_in == summary.rows_written == 30 and summary.chunks == 5
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_two_processes_give_identical_output(tiny_model_dir, notes, tmp_path):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    score_file(notes, one, model=tiny_model_dir, chunk_size=6, quiet=True)
    score_file(notes, two, model=tiny_model_dir, chunk_size=6, n_process=2, quiet=True)
    assert one.read_bytes() == two.read_bytes()
    assert len(pd.read_csv(one)) == 30


def bad_file(tmp_path, good_rows):
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps(r).encode() for r in good_rows[:3]]
    lines += [
        json.dumps({"note_id": "empty", "text": "   "}).encode(),
        json.dumps({"note_id": good_rows[0]["note_id"], "text": CANARY}).encode(),
        b'{"note_id": "latin1", "text": "caf\xe9 ' + CANARY.encode() + b'"}',
        b'{"note_id": "broken", "text": "' + CANARY.encode(),
        json.dumps({"note_id": "long", "text": CANARY + " x" * 1000}).encode(),
        json.dumps({"note_id": "", "text": CANARY}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_skip_reports_every_bad_row_without_text(tiny_model_dir, sample_rows, tmp_path):
    path = bad_file(tmp_path, sample_rows)
    out = tmp_path / "out.jsonl"
    summary = score_file(
        path, out, model=tiny_model_dir, on_error="skip", max_chars=1900, quiet=True
    )
    assert summary.rows_in == 9 == summary.rows_written + summary.rows_reported
    assert summary.rows_written == 3
    errors = pd.read_csv(summary.errors_file, keep_default_na=False)
    assert list(errors.columns) == ["row", "note_id", "column", "reason"]
    reasons = dict(zip(errors["row"], errors["reason"], strict=True))
    assert reasons[4] == "empty text"
    assert reasons[5] == "duplicate note id"
    assert reasons[6] == "line is not valid UTF-8"
    assert reasons[7].startswith("malformed JSON")
    assert reasons[8].startswith("text longer than 1900 characters")
    assert reasons[9] == "empty note id"
    assert CANARY not in (tmp_path / "out.jsonl.errors.csv").read_text()
    assert CANARY not in out.read_text()


def test_fail_stops_with_location_and_leaves_nothing(tiny_model_dir, sample_rows, tmp_path):
    path = bad_file(tmp_path, sample_rows)
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError) as info:
        score_file(path, out, model=tiny_model_dir, quiet=True)
    assert "line 4" in str(info.value) and "empty text" in str(info.value)
    assert not out.exists() and not (tmp_path / "out.jsonl.parts").exists()


def test_resume_after_interruption_gives_identical_output(
    tiny_model_dir, notes, tmp_path, monkeypatch
):
    reference = tmp_path / "reference.jsonl"
    score_file(notes, reference, model=tiny_model_dir, chunk_size=4, quiet=True)

    out = tmp_path / "out.jsonl"
    real = batch.score_chunk
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "score_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        score_file(notes, out, model=tiny_model_dir, chunk_size=4, quiet=True)
    assert not out.exists() and (tmp_path / "out.jsonl.parts").exists()
    monkeypatch.setattr(batch, "score_chunk", real)

    with pytest.raises(DataError, match="--resume"):
        score_file(notes, out, model=tiny_model_dir, chunk_size=4, quiet=True)
    summary = score_file(notes, out, model=tiny_model_dir, chunk_size=4, resume=True, quiet=True)
    assert summary.chunks_resumed == 3
    assert out.read_bytes() == reference.read_bytes()
    assert summary.rows_written == 30


def test_resume_refuses_other_options(tiny_model_dir, notes, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"

    def dying(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "score_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        score_file(notes, out, model=tiny_model_dir, chunk_size=4, quiet=True)
    monkeypatch.undo()
    with pytest.raises(DataError, match="another input, model or options"):
        score_file(notes, out, model=tiny_model_dir, chunk_size=5, resume=True, quiet=True)


def test_residual_identifiers_warn_and_strict(tiny_model_dir, tmp_path):
    path = write_jsonl(
        tmp_path / "ids.jsonl",
        [
            {"note_id": "a", "text": "Routine session, [CLIENT] calm."},
            {"note_id": "b", "text": "Client email jane.roe@example.org, call 555-123-4567."},
        ],
    )
    out = tmp_path / "out.jsonl"
    summary = score_file(path, out, model=tiny_model_dir, quiet=True)
    assert summary.identifier_notes == 1 and summary.identifier_rows == [2]
    assert summary.identifier_kinds == {"email": 1, "phone": 1}
    text = "\n".join(summary.lines("line"))
    assert "jane.roe" not in text and "555" not in text.replace("line 2", "")
    with pytest.raises(DataError, match=r"line 2.*identifiers"):
        score_file(
            path, tmp_path / "strict.jsonl", model=tiny_model_dir, strict_deid=True, quiet=True
        )


def test_canary_never_leaks(tiny_model_dir, sample_rows, tmp_path, caplog):
    """A unique string in notes never appears in logs, stderr, errors or exceptions."""
    path = bad_file(tmp_path, sample_rows)
    runner = CliRunner()
    caplog.set_level(logging.DEBUG)
    outputs = []
    for extra in (["--on-error", "skip", "--max-chars", "1900"], [], ["--strict-deid"]):
        out = tmp_path / f"out{len(outputs)}.jsonl"
        result = runner.invoke(
            app,
            ["predict", str(path), "-m", str(tiny_model_dir), "-o", str(out), "--verbose", *extra],
        )
        outputs.append(result.output)
        if result.exception and not isinstance(result.exception, SystemExit):
            outputs.append(repr(result.exception))
    outputs.append(caplog.text)
    errors_file = tmp_path / "out0.jsonl.errors.csv"
    outputs.append(errors_file.read_text(encoding="utf-8"))
    for text in outputs:
        assert CANARY not in text
    assert "Traceback" not in "".join(outputs)


def test_cli_predict_skip_summary(tiny_model_dir, sample_rows, tmp_path):
    path = bad_file(tmp_path, sample_rows)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app,
        [
            "predict",
            str(path),
            "-m",
            str(tiny_model_dir),
            "-o",
            str(out),
            "--on-error",
            "skip",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "9 notes read, 4 written" in result.output
    assert "5 reported as errors" in result.output


def test_dask_engine_output_identical_to_local(tiny_model_dir, notes, tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    local, dask_out = tmp_path / "local.parquet", tmp_path / "dask.parquet"
    score_file(notes, local, model=tiny_model_dir, chunk_size=8, quiet=True)
    score_file(
        notes, dask_out, model=tiny_model_dir, chunk_size=8, quiet=True, engine="dask", n_process=2
    )
    assert dask_out.read_bytes() == local.read_bytes() or pd.read_parquet(dask_out).equals(
        pd.read_parquet(local)
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        via_address = tmp_path / "address.jsonl"
        score_file(
            notes,
            via_address,
            model=tiny_model_dir,
            chunk_size=8,
            quiet=True,
            engine="dask",
            scheduler=cluster.scheduler_address,
        )
    reference = tmp_path / "reference.jsonl"
    score_file(notes, reference, model=tiny_model_dir, chunk_size=8, quiet=True)
    assert via_address.read_bytes() == reference.read_bytes()


def test_output_that_would_overwrite_the_input_is_refused(tiny_model_dir, notes, tmp_path):
    before = notes.read_bytes()
    with pytest.raises(DataError, match="output would overwrite the notes being read"):
        score_file(notes, notes, model=tiny_model_dir, quiet=True)
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match="errors file would overwrite"):
        score_file(notes, out, model=tiny_model_dir, errors_file=notes, quiet=True)
    assert notes.read_bytes() == before and not out.exists()


def test_a_run_where_no_row_can_be_scored_fails_but_lists_them(tiny_model_dir, tmp_path):
    path = write_jsonl(
        tmp_path / "no_text.jsonl",
        [{"note_id": "a", "text": ""}] + [{"note_id": f"n{i}", "body": CANARY} for i in range(3)],
    )
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match="none of the 4 rows could be scored") as info:
        score_file(path, out, model=tiny_model_dir, on_error="skip", quiet=True)
    assert CANARY not in str(info.value)
    assert not out.exists() and not (tmp_path / "out.jsonl.parts").exists()
    errors = pd.read_csv(tmp_path / "out.jsonl.errors.csv", keep_default_na=False)
    assert errors["reason"].tolist() == ["empty text"] + ["no 'text' field"] * 3


def test_unreachable_dask_scheduler_is_a_clear_error(tiny_model_dir, notes, tmp_path, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")

    def refuse(*args, **kwargs):
        raise OSError("Timed out trying to connect")

    monkeypatch.setattr(distributed, "Client", refuse)
    out = tmp_path / "out.jsonl"
    with pytest.raises(DataError, match="cannot reach the Dask scheduler at 'tcp://nowhere:1'"):
        score_file(
            notes, out, model=tiny_model_dir, quiet=True, engine="dask", scheduler="tcp://nowhere:1"
        )
    assert not out.exists() and not (tmp_path / "out.jsonl.parts").exists()
