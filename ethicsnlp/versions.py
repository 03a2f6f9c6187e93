"""Library versions recorded in model cards and checked on load."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

TRACKED = (
    "ethicsnlp",
    "scikit-learn",
    "spacy",
    "spacy-lookups-data",
    "numpy",
    "scipy",
    "pandas",
    "skops",
)


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries that shape a model, plus Python's."""
    found = {}
    for name in TRACKED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    found["python"] = platform.python_version()
    return found
