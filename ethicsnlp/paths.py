"""Project paths. No side effects at import."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
MODELS_DIR = PROJECT_DIR / "models"
DEFAULT_MODEL_NAME = "default"


def default_model_dir() -> Path:
    """The shipped model folder, or ``$ETHICSNLP_MODEL`` when set."""
    override = os.environ.get("ETHICSNLP_MODEL")
    return Path(override) if override else MODELS_DIR / DEFAULT_MODEL_NAME


def default_training_files() -> list[Path]:
    """The labelled files the default model is trained on."""
    return sorted((DATA_DIR / "labelled").glob("*.jsonl"))
