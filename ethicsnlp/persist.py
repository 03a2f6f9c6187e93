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
import shutil
import tempfile
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


def save_model_folder(
    folder: str | Path,
    pipeline: Any,
    card: dict[str, Any],
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write ``pipeline`` (compressed, without fit-only state), ``card`` and any
    ``extra_files`` (name -> text) into ``folder`` with checksums; return the folder.

    Everything is written to a new sibling folder first and renamed into place only
    when complete, so an interrupted save never leaves a half-written model, and a
    model already in ``folder`` is replaced in one step (callers decide whether
    replacing is allowed: see :func:`check_model_output`).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.saving-", dir=folder.parent))
    try:
        sio.dump(
            drop_fit_only_state(pipeline),
            staging / MODEL_FILE,
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=6,
        )
        card = {**card, "format_version": FORMAT_VERSION}
        (staging / CARD_FILE).write_text(
            json.dumps(card, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
        names = (MODEL_FILE, CARD_FILE, *sorted(extra_files or {}))
        lines = [f"{_sha256(staging / name)}  {name}" for name in names]
        (staging / CHECKSUM_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        staging.chmod(0o755)
        if folder.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
            retired.rmdir()
            folder.rename(retired)
            staging.rename(folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def check_model_output(folder: str | Path, overwrite: bool = False) -> None:
    """Refuse, before any training, a model output that cannot or should not be written.

    A path that is a file, a folder holding anything but a model, a model folder
    without ``overwrite``, or a place where nothing can be created raises
    :class:`ModelError` naming the path and what to do.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ModelError(f"{folder}: exists and is not a folder; choose a folder for the model")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MODEL_FILE).exists() and not (folder / CARD_FILE).exists():
            raise ModelError(
                f"{folder}: folder is not empty and holds no model; choose a new or empty folder"
            )
        if not overwrite:
            raise ModelError(
                f"{folder}: already holds a model; pass --overwrite to replace it (the new "
                "model is swapped in only when it is complete) or choose another folder"
            )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        Path(tempfile.mkdtemp(prefix=f".{folder.name}.check-", dir=folder.parent)).rmdir()
    except OSError as exc:
        raise ModelError(
            f"{folder}: cannot write a model folder there ({exc.strerror or type(exc).__name__})"
        ) from None


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
