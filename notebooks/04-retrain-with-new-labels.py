# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Retrain with new labels
#
# The loop a review team runs: pick the unlabelled notes most worth labelling
# (`ethicsnlp suggest`), label them, check the files (`ethicsnlp validate`),
# retrain with lineage (`ethicsnlp train --parent`), compare old and new models
# on held-out notes (`ethicsnlp compare`), evaluate (`ethicsnlp evaluate`) and
# look for likely label errors (`ethicsnlp audit`). Here each step is the plain
# function behind the command; the annotator is simulated with the annotated
# labels of `gold_dev.jsonl`.
#
# To keep this under two minutes the "current model" is a small one trained on
# a sample; with the shipped model you would run, e.g.
# `ethicsnlp suggest new_notes.csv -m models/default -n 50 -o template.csv`.

# %%
import tempfile
from pathlib import Path

from ethicsnlp.audit import audit_labels
from ethicsnlp.compare import compare_models
from ethicsnlp.data import read_notes, write_frame
from ethicsnlp.evaluate import evaluate
from ethicsnlp.explore import quick_model
from ethicsnlp.paths import DATA_DIR
from ethicsnlp.persist import read_card
from ethicsnlp.suggest import SCORES_COLUMN, fill_labels, suggest_notes
from ethicsnlp.train import train
from ethicsnlp.validate import validate_files

work = tempfile.TemporaryDirectory()
root = Path(work.name)
current = quick_model(root / "v1", per_label=10, negatives=40)
sample = root / "v1" / "sample.jsonl"

# %% [markdown]
# Unlabelled notes to choose from (settings `d1`, `d2`) and held-out labelled
# notes for the comparison (setting `d3`):

# %%
dev = read_notes(DATA_DIR / "labelled" / "gold_dev.jsonl", require_labels=True)
pool = dev[dev["note_id"].str.startswith(("d1-", "d2-"))]
heldout = dev[dev["note_id"].str.startswith("d3-")]
write_frame(pool[["note_id", "text"]], root / "unlabelled.csv")
write_frame(heldout, root / "heldout.jsonl")
len(pool), len(heldout)

# %% [markdown]
# ## 1. Suggest notes to label
#
# Uncertain (a probability close to a threshold) and diverse. The template's 0/1
# columns hold the model's current flags for the annotator to correct.

# %%
template = suggest_notes(root / "unlabelled.csv", current, n=20, seed=0)
template.drop(columns=["text"]).head()

# %% [markdown]
# ## 2. Label them
#
# In practice: open the CSV in a spreadsheet and correct every 0/1 cell against
# `docs/labels.md`, then delete the `model_scores` column to mark the file as
# checked (`ethicsnlp train` warns about a template that still has it). Here the
# annotated labels are copied in.

# %%
labelled, changed = fill_labels(template, dev)
write_frame(labelled.drop(columns=[SCORES_COLUMN]), root / "template.csv")
print(f"{changed} cells corrected by the 'annotator'")

# %% [markdown]
# ## 3. Check the files together

# %%
check = validate_files([sample, root / "template.csv", root / "heldout.jsonl"])
print("ok" if check.ok else check.errors, "|", len(check.warnings), "warning(s)")

# %% [markdown]
# ## 4. Retrain with lineage

# %%
card = train([sample, root / "template.csv"], root / "v2", cv=-1, parent=current, n_jobs=1)
card["lineage"], [(f["path"].split("/")[-1], f["rows"]) for f in card["training_data"]["files"]]

# %%
read_card(root / "v2")["training_data"]["label_counts"]

# %% [markdown]
# ## 5. Compare old and new on held-out notes
#
# Differences B − A with paired bootstrap 95% intervals; a label is better or
# worse only when its interval excludes 0.

# %%
result = compare_models(current, root / "v2", root / "heldout.jsonl", root / "compare", n_boot=300)
print(result["verdict"])
print(len(result["changed"]), "notes changed flags")

# %% [markdown]
# ## 6. Evaluate the new model
#
# `report.html` in `root / "report-v2"` is the clinical leads' report;
# `redact=True` leaves out all note text.

# %%
metrics = evaluate(root / "heldout.jsonl", root / "v2", root / "report-v2", n_boot=200, redact=True)
print(f"macro F1 {metrics['macro_f1']:.3f} {metrics['macro_f1_ci']}")

# %% [markdown]
# ## 7. Audit the labels
#
# Notes whose given label the model confidently disagrees with under grouped
# cross-validation, ranked by margin: re-read them against the label guide.

# %%
suspects = audit_labels([sample, root / "template.csv"], cv=3, n_jobs=1)
suspects.head(10)

# %%
work.cleanup()
