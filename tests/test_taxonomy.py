import re
from pathlib import Path

from ethicsnlp.taxonomy import LABEL_IDS, LABELS, LABELS_BY_ID, label_index

DOCS = Path(__file__).resolve().parents[1] / "docs" / "labels.md"


def test_ten_labels_in_guide_order():
    assert LABEL_IDS == (
        "dual_relationship",
        "exploitation",
        "boundary_violation",
        "confidentiality_breach",
        "imposing_beliefs",
        "giving_advice",
        "beyond_competence",
        "harmful_practice",
        "neglecting_risk",
        "misrepresenting_qualifications",
    )
    assert len({label.category for label in LABELS}) == 10
    assert all(label.definition and label.not_applies for label in LABELS)


def test_docs_label_table_matches_code():
    rows = re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(rows) == LABEL_IDS


def test_label_index_and_unknown():
    assert label_index("neglecting_risk") == 8
    assert LABELS_BY_ID["exploitation"].category == "Exploitation"
    try:
        label_index("nope")
    except KeyError as exc:
        assert "valid ids" in str(exc)
    else:
        raise AssertionError("unknown label accepted")
