"""Residual identifier guard.

Notes are supposed to be de-identified. These patterns find text that still
looks like an identifier (email, phone number, SSN-like number, street address,
full date). Only counts and row numbers are ever reported, never the values.
"""

from __future__ import annotations

import re

PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"),
    "phone": re.compile(
        r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])"
        r"|(?<![\w-])\+44\s?\d{4}\s?\d{6}(?![\w-])|(?<![\w-])0\d{4}\s\d{6}(?![\w-])"
    ),
    "ssn": re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"),
    "street_address": re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
        r"Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Close)\b\.?"
    ),
    "full_date": re.compile(
        r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|"
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+"
        r"(?:19|20)\d{2}|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
        r"[a-z]*\.?\s+(?:19|20)\d{2})\b"
    ),
}


def find_identifier_kinds(text: str) -> list[str]:
    """The kinds of identifier-like strings in ``text`` (names of :data:`PATTERNS`)."""
    return [kind for kind, pattern in PATTERNS.items() if pattern.search(text)]
