"""Rule files used by the spaCy components, loaded with ``importlib.resources``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> dict[str, Any]:
    """Load a JSON rule file shipped inside ``ethicsnlp/resources``."""
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    data = json.loads(text)
    data.pop("_comment", None)
    return data
