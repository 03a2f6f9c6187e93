import pytest

from ethicsnlp.identifiers import find_identifier_kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("email me at jane.doe@example.org", "email"),
        ("call (555) 123-4567 tonight", "phone"),
        ("cell 555-123-4567", "phone"),
        ("SSN 123-45-6789 on file", "ssn"),
        ("lives at 42 Maple Street now", "street_address"),
        ("seen on 03/14/2025 for intake", "full_date"),
        ("seen on March 14, 2025", "full_date"),
        ("DOB 2001-07-09", "full_date"),
    ],
)
def test_detects_identifier_kinds(text, kind):
    assert kind in find_identifier_kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "[CLIENT] seen on [DATE], called [PHONE]; PHQ-9 = 14, f/u 2 wks, 10:00-11:00.",
        "Pt rated distress 8/10 -> 5/10, BP 120/80, q15 checks, C-SSRS done.",
        "Lives on [STREET]; 3 kids aged 4, 7 and 9.",
    ],
)
def test_placeholders_and_clinical_numbers_are_not_identifiers(text):
    assert find_identifier_kinds(text) == []
