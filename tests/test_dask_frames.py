"""dask_frames: a Dask DataFrame scored partition by partition equals local scoring."""

import pandas as pd
import pytest

from ethicsnlp.errors import DataError
from ethicsnlp.predict import records_to_frame

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from ethicsnlp.dask_frames import output_meta, score_dask_frame  # noqa: E402


@pytest.fixture
def notes_frame(sample_rows):
    rows = [{"note_id": r["note_id"], "text": r["text"]} for r in sample_rows[:24]]
    rows[5]["text"] = "   "  # a bad row is reported, not dropped
    return pd.DataFrame(rows)


def test_partitions_on_a_local_cluster_match_local_scoring(
    tiny_model, tiny_model_dir, notes_frame
):
    good = notes_frame.drop(index=5)
    expected = records_to_frame(
        tiny_model.predict(good["text"].tolist(), good["note_id"].tolist())
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(notes_frame, npartitions=3)
        result = score_dask_frame(ddf, tiny_model_dir).compute()
    assert len(result) == len(notes_frame)
    assert list(result.columns) == list(output_meta().columns)
    assert result.loc[5, "error"] == "text: empty text"
    assert pd.isna(result.loc[5, "labels"]) and pd.isna(result.loc[5, "score_exploitation"])
    scored = result.drop(index=5).drop(columns=["error"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(scored, expected, check_dtype=False)
    assert (result.drop(index=5)["error"] == "").all()


def test_missing_column_is_a_clear_error(tiny_model_dir, notes_frame):
    ddf = dd.from_pandas(notes_frame.rename(columns={"text": "body"}), npartitions=1)
    with pytest.raises(DataError, match="missing column"):
        score_dask_frame(ddf, tiny_model_dir)
