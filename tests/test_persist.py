import json
import shutil

import numpy as np
import pytest

from ethicsnlp import load_model
from ethicsnlp.errors import ModelError
from ethicsnlp.persist import CARD_FILE, CHECKSUM_FILE, MODEL_FILE, is_allowed_type


def test_model_card_contents(tiny_model_dir):
    card = json.loads((tiny_model_dir / CARD_FILE).read_text())
    for key in ("labels", "thresholds", "training_data", "versions", "seed", "created_at"):
        assert key in card
    assert len(card["training_data"]["sha256"]) == 64
    assert card["versions"]["scikit-learn"]


def test_tampered_model_is_refused(tiny_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    with (copy / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="checksum mismatch"):
        load_model(copy)


def test_tampered_card_is_refused(tiny_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    card = json.loads((copy / CARD_FILE).read_text())
    card["thresholds"]["exploitation"] = 0.0
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="checksum mismatch"):
        load_model(copy)


def test_version_mismatch_is_refused(tiny_model_dir, tmp_path):
    import hashlib

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    card = json.loads((copy / CARD_FILE).read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (copy / CARD_FILE).write_text(json.dumps(card))
    lines = [
        f"{hashlib.sha256((copy / n).read_bytes()).hexdigest()}  {n}"
        for n in (MODEL_FILE, CARD_FILE)
    ]
    (copy / CHECKSUM_FILE).write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2"):
        load_model(copy)


def test_foreign_types_are_refused(tmp_path):
    import os

    from ethicsnlp.persist import save_model_folder
    from ethicsnlp.versions import library_versions

    folder = tmp_path / "foreign"
    save_model_folder(folder, {"payload": os.system}, {"versions": library_versions()})
    with pytest.raises(ModelError, match="allow-list"):
        load_model(folder)


def test_missing_folder_and_not_a_model(tmp_path):
    with pytest.raises(ModelError, match=r"no such model folder; pass -m .* ETHICSNLP_MODEL"):
        load_model(tmp_path / "nope")
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path)


def test_allow_list():
    assert is_allowed_type("ethicsnlp.model.ThresholdedMultiLabelClassifier")
    assert not is_allowed_type("posix.system")
    assert not is_allowed_type("builtins.eval")


TEXTS = ["writer declined the gift", "writer accepted the loan", "client denies SI"]


def test_compact_vectorizer_round_trips_through_skops(tmp_path):
    import skops.io as sio

    from ethicsnlp.features import CompactTfidfVectorizer

    vec = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(TEXTS)
    path = tmp_path / "v.skops"
    sio.dump(vec, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert loaded.vocabulary_ == vec.vocabulary_
    assert (loaded.transform(TEXTS) != vec.transform(TEXTS)).nnz == 0


def _fitted_compact(**params):
    from ethicsnlp.features import CompactTfidfVectorizer

    return CompactTfidfVectorizer(**params).fit(TEXTS)


def _terms_from_state(state: dict) -> list[str]:
    text = state["vocabulary_utf8_"].tobytes().decode("utf-8")
    ends = np.cumsum(state["vocabulary_lengths_"]).tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def test_compact_vectorizer_state_lists_common_terms_first():
    vec = _fitted_compact(ngram_range=(1, 2))
    state = vec.__getstate__()
    assert state["vocabulary_lengths_"].dtype == np.int32
    assert state["vocabulary_index_"].dtype == np.int32
    assert state["vocabulary_utf8_"].dtype == np.uint8  # binary, kept out of skops' JSON
    assert not any(isinstance(value, str) and len(value) > 100 for value in state.values())
    terms = _terms_from_state(state)
    columns = state["vocabulary_index_"].tolist()
    assert dict(zip(terms, columns, strict=True)) == vec.vocabulary_
    assert terms[:2] == ["the", "writer"]  # in two of three notes: lowest idf, then column
    assert np.all(np.diff(vec.idf_[columns]) >= 0)
    assert hasattr(vec, "vocabulary_")  # the live estimator is not altered


def test_compact_vectorizer_round_trips_non_ascii_terms():
    from ethicsnlp.features import CompactTfidfVectorizer

    texts = ["café visit after the séance", "naïve offer; 50€ gift", "client said no"]
    vec = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit(texts)
    loaded = CompactTfidfVectorizer.__new__(CompactTfidfVectorizer)
    loaded.__setstate__(vec.__getstate__())
    assert loaded.vocabulary_ == vec.vocabulary_
    assert "é" in loaded.vocabulary_ and "€" in loaded.vocabulary_


def _earlier_state(vec, terms: list[str], columns: list[int] | None) -> dict:
    """The state as files saved before the UTF-8 array wrote it: terms as one string."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    state = dict(TfidfVectorizer.__getstate__(vec))  # the plain state, dict included
    del state["vocabulary_"]
    state["vocabulary_text_"] = "".join(terms)
    state["vocabulary_lengths_"] = np.array([len(t) for t in terms], dtype=np.int64)
    if columns is not None:
        state["vocabulary_index_"] = np.array(columns, dtype=np.int64)
    return state


def test_compact_vectorizer_reads_terms_in_column_order_without_columns():
    from ethicsnlp.features import CompactTfidfVectorizer

    vec = _fitted_compact()
    state = _earlier_state(vec, list(vec.get_feature_names_out()), None)
    loaded = CompactTfidfVectorizer.__new__(CompactTfidfVectorizer)
    loaded.__setstate__(state)
    assert loaded.vocabulary_ == vec.vocabulary_


def test_compact_vectorizer_reads_the_earlier_state_with_columns():
    from ethicsnlp.features import CompactTfidfVectorizer

    vec = _fitted_compact()
    terms = list(reversed(list(vec.vocabulary_)))  # any order, columns stored beside
    state = _earlier_state(vec, terms, [vec.vocabulary_[t] for t in terms])
    old = CompactTfidfVectorizer.__new__(CompactTfidfVectorizer)
    old.__setstate__(state)
    assert old.vocabulary_ == vec.vocabulary_
    assert (old.transform(TEXTS) != vec.transform(TEXTS)).nnz == 0


def test_saved_model_has_no_fit_only_state(tiny_model):
    features = tiny_model.pipeline.named_steps["features"]
    assert all(not hasattr(vec, "stop_words_") for _, vec, _ in features.transformers_)


def test_model_output_checks_and_atomic_replacement(tiny_model_dir, tmp_path):
    from ethicsnlp.persist import check_model_output, save_model_folder

    target = tmp_path / "m"
    check_model_output(target)  # new folder: fine
    shutil.copytree(tiny_model_dir, target)
    with pytest.raises(ModelError, match="already holds a model; pass --overwrite"):
        check_model_output(target)
    check_model_output(target, overwrite=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.csv").write_text("x", encoding="utf-8")
    with pytest.raises(ModelError, match="not empty and holds no model"):
        check_model_output(tmp_path / "busy")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for bad in (tmp_path / "file", tmp_path / "file" / "m"):
        with pytest.raises(ModelError):
            check_model_output(bad)

    pipeline = load_model(tiny_model_dir).pipeline
    card = json.loads((tiny_model_dir / CARD_FILE).read_text(encoding="utf-8"))
    save_model_folder(target, pipeline, {**card, "name": "replaced"})
    assert json.loads((target / CARD_FILE).read_text(encoding="utf-8"))["name"] == "replaced"
    assert load_model(target).card["name"] == "replaced"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
