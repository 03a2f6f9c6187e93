"""Saving and loading model folders safely.

A model folder holds ``model.skops`` (the fitted scikit-learn pipeline, written
with ``skops.io``), ``model_card.json`` and ``checksums.sha256``. Loading:

1. checks every file against the checksums (a changed file is refused);
2. checks the card's format and library versions against the running ones;
3. asks skops which types in the file are not on its own list of safe
   scikit-learn, NumPy and SciPy types, and refuses any of those that is not one
   of this project's own estimator types; **no code from the file is executed**.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio

from ethicsnlp.errors import ModelError
from ethicsnlp.memory import release_freed_memory

MODEL_FILE = "model.skops"
CARD_FILE = "model_card.json"
CHECKSUM_FILE = "checksums.sha256"
#: Bumped whenever the saved pipeline or the features the package computes for it change,
#: so that a model trained on other features is refused instead of silently degraded.
#: 2: sentences reporting a refusal give ``ref_`` terms in the context view.
FORMAT_VERSION = 2

PROJECT_TYPES = (
    "ethicsnlp.features.CompactTfidfVectorizer",
    "ethicsnlp.features.NoteAnalyzer",
    "ethicsnlp.model.ThresholdedMultiLabelClassifier",
)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_allowed_type(name: str) -> bool:
    """True for the types, beyond skops' own safe list, that the loader may create."""
    return name in PROJECT_TYPES


def drop_fit_only_state(estimator: Any) -> Any:
    """Remove state that only matters during fitting, in place, and return ``estimator``.

    Text vectorizers keep ``stop_words_``, every term cut by ``min_df`` or
    ``max_features``: with character n-grams that is most of the model file, and
    scikit-learn documents it as safe to delete after fitting.
    """
    from sklearn.base import BaseEstimator

    seen: set[int] = set()

    def visit(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, BaseEstimator):
            if hasattr(obj, "stop_words_"):
                del obj.stop_words_
            for value in vars(obj).values():
                visit(value)
        elif isinstance(obj, list | tuple):
            for value in obj:
                visit(value)
        elif isinstance(obj, dict):
            for value in obj.values():
                visit(value)

    visit(estimator)
    return estimator


def save_model_folder(folder: str | Path, pipeline: Any, card: dict[str, Any]) -> Path:
    """Write ``pipeline`` (compressed, without fit-only state) and ``card`` into
    ``folder`` with checksums; return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / MODEL_FILE
    sio.dump(drop_fit_only_state(pipeline), model_path, compression=zipfile.ZIP_DEFLATED,
             compresslevel=6)
    card = {**card, "format_version": FORMAT_VERSION}
    (folder / CARD_FILE).write_text(
        json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    lines = [f"{_sha256(folder / name)}  {name}" for name in (MODEL_FILE, CARD_FILE)]
    (folder / CHECKSUM_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def verify_checksums(folder: Path) -> None:
    """Raise :class:`ModelError` unless every file matches ``checksums.sha256``."""
    sums = folder / CHECKSUM_FILE
    if not folder.is_dir():
        raise ModelError(
            f"{folder}: no such model folder; pass -m MODEL_FOLDER or set ETHICSNLP_MODEL "
            "(the shipped model is models/default in the repository; an installed wheel "
            "carries none)"
        )
    for name in (MODEL_FILE, CARD_FILE, CHECKSUM_FILE):
        if not (folder / name).is_file():
            raise ModelError(f"{folder}: not a model folder (missing {name})")
    for line in sums.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        expected, _, name = line.partition("  ")
        if _sha256(folder / name) != expected:
            raise ModelError(
                f"{folder / name}: checksum mismatch; the file was changed after the model "
                "was saved. Retrain or restore the folder."
            )


def read_card(folder: str | Path) -> dict[str, Any]:
    """Return the model card of ``folder`` (checksums verified)."""
    folder = Path(folder)
    verify_checksums(folder)
    try:
        return json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise ModelError(f"{folder / CARD_FILE}: not valid JSON") from None


def check_versions(card: dict[str, Any], current: dict[str, str], folder: Path) -> None:
    """Refuse a model saved by another model format or scikit-learn minor version."""
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format {card.get('format_version')!r}, this ethicsnlp reads "
            f"format {FORMAT_VERSION}. Retrain with `ethicsnlp train`."
        )
    saved = card.get("versions", {})
    for lib in ("scikit-learn",):
        want = ".".join(str(saved.get(lib, "?")).split(".")[:2])
        have = ".".join(current[lib].split(".")[:2])
        if want != have:
            raise ModelError(
                f"{folder}: model saved with {lib} {saved.get(lib)}, this environment has "
                f"{current[lib]}. Install the matching version (the lock file pins it) or "
                "retrain the model."
            )


def load_pipeline(folder: str | Path, current_versions: dict[str, str]) -> tuple[Any, dict]:
    """Load the fitted pipeline and card from ``folder`` after all safety checks."""
    folder = Path(folder)
    card = read_card(folder)
    check_versions(card, current_versions, folder)
    model_path = folder / MODEL_FILE
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except Exception as exc:  # a corrupt or foreign file
        raise ModelError(
            f"{model_path}: not a readable skops file ({type(exc).__name__})"
        ) from None
    refused = [name for name in untrusted if not is_allowed_type(name)]
    if refused:
        raise ModelError(
            f"{model_path}: refusing to load types outside the allow-list: "
            f"{', '.join(sorted(refused)[:5])}"
        )
    try:
        pipeline = sio.load(model_path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{model_path}: cannot load ({type(exc).__name__})") from None
    release_freed_memory()  # the load's temporary state, about 80 MB
    return pipeline, card
