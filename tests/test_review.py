"""The reviewer view: page data, offline and escaping guarantees, CLI errors, and a
browser round trip (filter, verdicts, CSV export, retraining on the export)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from chromium_support import CHROMEDRIVER, CHROMIUM, chrome
from typer.testing import CliRunner

from ethicsnlp.cli import app
from ethicsnlp.data import read_notes
from ethicsnlp.errors import DataError
from ethicsnlp.output import write_records
from ethicsnlp.review import build_review, embed_json
from ethicsnlp.taxonomy import LABEL_IDS

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "data" / "labelled"
runner = CliRunner()
SECRET = "QUOKKA-CANARY-5521"
XSS = "</script><img src=x onerror=alert(1)>"
XSS_ID = "xss-0001"


def dev_notes(n_labelled: int = 14, n_unlabelled: int = 6) -> list[dict]:
    """Notes from gold_dev.jsonl: their ids never clash with the training sample's."""
    rows = [json.loads(line) for line in (LABELLED / "gold_dev.jsonl").open(encoding="utf-8")]
    labelled = [r for r in rows if r["labels"]][:n_labelled]
    unlabelled = [r for r in rows if not r["labels"]][:n_unlabelled]
    return [{"note_id": r["note_id"], "text": r["text"]} for r in labelled + unlabelled]


@pytest.fixture(scope="module")
def review_inputs(tiny_model, tmp_path_factory) -> dict:
    """20 dev notes plus one hostile note, their predictions (JSONL) and notes file (CSV)."""
    folder = tmp_path_factory.mktemp("review")
    notes = dev_notes()
    notes.append(
        {
            "note_id": XSS_ID,
            "text": f"Pt said writer & pt <b>met</b> for coffee. {XSS} Writer agreed to "
            "be friends on social media.",
        }
    )
    records = tiny_model.predict([n["text"] for n in notes], [n["note_id"] for n in notes])
    notes_path = folder / "notes.csv"
    pd.DataFrame(notes).to_csv(notes_path, index=False)
    predictions = write_records(records, folder / "predictions.jsonl")
    return {"notes": notes, "records": records, "notes_path": notes_path, "pred": predictions}


def page_data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="review-data">(.*?)</script>', html, re.S
    )
    assert match, "no embedded data"
    return json.loads(match.group(1))


def without_data(html: str) -> str:
    return re.sub(
        r'(<script type="application/json"[^>]*>).*?(</script>)', r"\1\2", html, flags=re.S
    )


@pytest.fixture(scope="module")
def built(review_inputs, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("page") / "review.html"
    path = build_review(review_inputs["pred"], review_inputs["notes_path"], out)
    return path, path.read_text(encoding="utf-8")


def test_page_is_self_contained_and_offline(built):
    path, html = built
    assert path.exists() and path.suffix == ".html"
    template = without_data(html)
    # Nothing in the page itself points anywhere: no remote src/href/url(), no imports.
    assert "http://" not in template and "https://" not in template
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert not re.search(r"url\(|@import|<link|<iframe|fetch\(|XMLHttpRequest|WebSocket", template)
    assert re.search(r"<script\s+src", html, re.I) is None
    assert "Content-Security-Policy" in template and "default-src 'none'" in template
    assert "not findings" in template


def test_page_embeds_every_note(built, review_inputs):
    _, html = built
    data = page_data(html)
    ids = [n["id"] for n in data["notes"]]
    assert sorted(ids) == sorted(r["note_id"] for r in review_inputs["records"])
    for note_id in ids:
        assert json.dumps(note_id) in html
    texts = {n["note_id"]: n["text"] for n in review_inputs["notes"]}
    for note in data["notes"]:
        assert note["text"] == texts[note["id"]]
    assert [label["id"] for label in data["labels"]] == list(LABEL_IDS)
    assert all(label["definition"] and label["color"] for label in data["labels"])
    assert re.fullmatch(r"[0-9a-f]{24}", data["key"])


def test_hostile_note_text_cannot_break_out(built):
    _, html = built
    assert XSS not in html
    assert "<img" not in html and "<b>met" not in html
    # Exactly the page's own two script tags close; the data escapes <, > and &.
    assert html.count("</script>") == 2
    assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert "writer \\u0026 pt" in html
    note = next(n for n in page_data(html)["notes"] if n["id"] == XSS_ID)
    assert XSS in note["text"]
    # The script renders note text as text nodes only.
    assert "innerHTML" not in without_data(html)


def test_embed_json_escapes_html_and_line_separators():
    text = embed_json({"t": "<!-- </script> & \u2028"})
    assert not set("<>&") & set(text) and "\u2028" not in text
    assert json.loads(text) == {"t": "<!-- </script> & \u2028"}


def test_notes_sorted_by_top_flag_and_cues_of_flagged_labels(built):
    data = page_data(built[1])
    notes = data["notes"]
    flagged = [n for n in notes if n["flags"]]
    assert notes[: len(flagged)] == flagged
    ranks = [n["rank"] for n in flagged]
    assert ranks == sorted(ranks, reverse=True)
    assert flagged, "the tiny model flags at least one dev note"
    for note in notes:
        assert set(note["cues"]) == set(note["flags"]) == set(note["evidence"])
        for label in note["flags"]:
            assert note["rank"] >= note["scores"][LABEL_IDS.index(label)]
            for start, end in note["evidence"][label]:
                assert 0 <= start < end <= len(note["text"])
            for cue in note["cues"][label]:
                assert 0 <= cue["start"] < cue["end"] <= len(note["text"])
                assert cue["actor"] in {"therapist", "client", "other"}
                assert isinstance(cue["negated"], bool) and isinstance(cue["hypothetical"], bool)
    assert any(note["cues"][label] for note in flagged for label in note["flags"])


def test_csv_and_parquet_predictions_give_the_same_page(review_inputs, built, tmp_path):
    expected = page_data(built[1])
    for suffix in ("csv", "parquet"):
        pred = write_records(review_inputs["records"], tmp_path / f"predictions.{suffix}")
        out = build_review(pred, review_inputs["notes_path"], tmp_path / f"review_{suffix}.html")
        assert page_data(out.read_text(encoding="utf-8")) == expected


def test_model_adds_thresholds(review_inputs, tiny_model, tmp_path):
    out = build_review(
        review_inputs["pred"], review_inputs["notes_path"], tmp_path / "r.html", model=tiny_model
    )
    model = page_data(out.read_text(encoding="utf-8"))["model"]
    assert len(model["thresholds"]) == len(LABEL_IDS)


def test_mismatched_text_and_bad_files_raise_data_error(review_inputs, tmp_path):
    notes = [dict(n) for n in review_inputs["notes"]]
    flagged = {r["note_id"] for r in review_inputs["records"] if r["labels"]}
    for note in notes:
        if note["note_id"] in flagged:
            note["text"] = SECRET + " short"
    changed = tmp_path / "changed.csv"
    pd.DataFrame(notes).to_csv(changed, index=False)
    with pytest.raises(DataError) as info:
        build_review(review_inputs["pred"], changed, tmp_path / "r.html")
    assert "were these predictions made from this notes file" in str(info.value)
    assert SECRET not in str(info.value)
    with pytest.raises(DataError, match="not a predictions file"):
        build_review(review_inputs["notes_path"], review_inputs["notes_path"], tmp_path / "r.html")
    with pytest.raises(DataError, match=r"use \.html"):
        build_review(review_inputs["pred"], review_inputs["notes_path"], tmp_path / "r.txt")
    assert not (tmp_path / "r.html").exists()


def test_cli_review_writes_page(review_inputs, tmp_path):
    out = tmp_path / "review.html"
    result = runner.invoke(
        app,
        ["review", str(review_inputs["pred"]), str(review_inputs["notes_path"]), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "review page written" in result.output
    assert runner.invoke(app, ["review", "--help"]).exit_code == 0


def test_cli_exit_2_when_prediction_ids_are_not_in_notes(review_inputs, tmp_path):
    notes = tmp_path / "other.csv"
    pd.DataFrame([{"note_id": "zz-1", "text": SECRET}, {"note_id": "zz-2", "text": SECRET}]).to_csv(
        notes, index=False
    )
    out = tmp_path / "review.html"
    result = runner.invoke(app, ["review", str(review_inputs["pred"]), str(notes), "-o", str(out)])
    assert result.exit_code == 2
    assert "not in the notes file" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and SECRET not in result.output
    assert not any(n["text"][:40] in result.output for n in review_inputs["notes"])
    assert not out.exists()


def test_cli_exit_2_on_malformed_predictions(review_inputs, tmp_path):
    bad = tmp_path / "bad.jsonl"
    out = tmp_path / "review.html"
    for content, expected in (
        ('{"note_id": "a", "scores": {}}\n{not json\n', "line 2: malformed JSON"),
        ('{"note_id": "a", "scores": {}}\n', "line 1, column 'scores': scores missing"),
        ('{"note_id": "a", "labels": ["nope"], "scores": {}}\n', "unknown label 'nope'"),
    ):
        bad.write_text(content, encoding="utf-8")
        result = runner.invoke(
            app, ["review", str(bad), str(review_inputs["notes_path"]), "-o", str(out)]
        )
        assert result.exit_code == 2
        assert expected in result.output
        assert not out.exists()


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
def test_browser_filter_verdicts_export_and_retrain(
    review_inputs, tiny_model, sample_file, tmp_path
):
    """Open the page in headless Chromium, review a few flags, export and retrain."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium*)")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from ethicsnlp.train import train

    records = review_inputs["records"]
    flag_counts = {lb: sum(lb in r["labels"] for r in records) for lb in LABEL_IDS}
    assert sum(flag_counts.values()) >= 2, "the tiny model should flag several dev notes"
    label = max(LABEL_IDS, key=lambda lb: flag_counts[lb])
    page = build_review(
        review_inputs["pred"], review_inputs["notes_path"], tmp_path / "r.html", model=tiny_model
    )

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chrome(
        "1366,768",
        (f"--user-data-dir={tmp_path / 'chrome-profile'}",),
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
        },
    )
    try:
        driver.get(page.as_uri())
        wait = WebDriverWait(driver, 20)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "article.note"))

        def click(element) -> None:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
            element.click()

        def cards():
            return driver.find_elements(By.CSS_SELECTOR, "article.note")

        # Every control has a label.
        for control in driver.find_elements(By.CSS_SELECTOR, "input, select"):
            assert driver.execute_script(
                "return arguments[0].labels && arguments[0].labels.length > 0", control
            ), control.get_attribute("id")

        # Filter by the most flagged label: only notes flagged with it remain.
        Select(driver.find_element(By.ID, "f-label")).select_by_value(label)
        shown = [c.get_attribute("data-note-id") for c in cards()]
        assert sorted(shown) == sorted(r["note_id"] for r in records if label in r["labels"])

        # j moves keyboard focus to the first note.
        driver.execute_script("document.activeElement.blur()")
        ActionChains(driver).send_keys("j").perform()
        assert driver.execute_script("return document.activeElement.tagName") == "ARTICLE"

        # Agree with that label's flag on the first note.
        first = shown[0]
        agree = driver.find_element(
            By.CSS_SELECTOR,
            f'article[data-note-id="{first}"] input[value="agree"][data-label="{label}"]',
        )
        click(agree)
        # Back to all flagged notes; disagree with a different flag.
        Select(driver.find_element(By.ID, "f-label")).select_by_value("")
        disagree = next(
            r
            for r in driver.find_elements(By.CSS_SELECTOR, 'input[type="radio"][value="disagree"]')
            if (
                r.find_element(By.XPATH, "ancestor::article").get_attribute("data-note-id"),
                r.get_attribute("data-label"),
            )
            != (first, label)
        )
        second = disagree.find_element(By.XPATH, "ancestor::article").get_attribute("data-note-id")
        second_label = disagree.get_attribute("data-label")
        click(disagree)
        # Add a label the model missed on the first note.
        first_flags = next(r["labels"] for r in records if r["note_id"] == first)
        added = next(lb for lb in LABEL_IDS if lb not in first_flags)
        box = driver.find_element(
            By.CSS_SELECTOR,
            f'article[data-note-id="{first}"] input[type="checkbox"][value="{added}"]',
        )
        click(box)

        # Verdicts survive a reload (localStorage keyed by the page data).
        driver.refresh()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "article.note"))
        assert driver.find_element(
            By.CSS_SELECTOR,
            f'article[data-note-id="{first}"] input[value="agree"][data-label="{label}"]',
        ).is_selected()

        driver.execute_script("window.scrollTo(0, 0)")
        shot = tmp_path / "review.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        if os.environ.get("ETHICSNLP_UPDATE_SCREENSHOTS") == "1":
            target = ROOT / "docs" / "img" / "review.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)

        click(driver.find_element(By.ID, "export"))
        deadline = time.monotonic() + 30
        found: list[Path] = []
        while time.monotonic() < deadline:
            found = [p for p in downloads.glob("*.csv") if p.stat().st_size > 0]
            if found and not list(downloads.glob("*.crdownload")):
                break
            time.sleep(0.2)
        assert found, "the CSV download did not arrive"
        assert "Exported verdicts on" in driver.find_element(By.ID, "status").text
    finally:
        driver.quit()

    csv_path = found[0]
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(["note_id", "text", *LABEL_IDS, "reviewed"])
    frame = read_notes(csv_path, require_labels=True)
    expected_ids = {first, second}
    assert set(frame["note_id"]) == expected_ids
    texts = {n["note_id"]: n["text"] for n in review_inputs["notes"]}
    flags = {r["note_id"]: r["labels"] for r in records}
    verdicts = {(first, label): "agree", (second, second_label): "disagree"}
    reviewed = pd.read_csv(csv_path, dtype=str, keep_default_na=False).set_index("note_id")
    for row in frame.itertuples(index=False):
        note_id = row.note_id
        assert row.text == texts[note_id]
        for lb in LABEL_IDS:
            if note_id == first and lb == added:
                want = 1
            elif lb in flags[note_id]:
                want = 0 if verdicts.get((note_id, lb)) == "disagree" else 1
            else:
                want = 0
            assert getattr(row, lb) == want, (note_id, lb)
        judged = all((note_id, lb) in verdicts for lb in flags[note_id])
        assert reviewed.loc[note_id, "reviewed"] == ("yes" if judged else "unsure")

    card = train([csv_path, sample_file], tmp_path / "m", cv=-1, n_jobs=1)
    assert card["training_data"]["rows"] >= len(frame) + 1
