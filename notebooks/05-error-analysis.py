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
# # 05 · Error analysis: why the model misses and why it over-flags
#
# Cross-validates the project model by setting (each fold holds out whole
# settings, as notes from a new agency would be) and lists every false positive
# and false negative with a likely cause: negation, hypothetical or actor the
# pipeline missed, handling it did not credit, confusion with another label,
# wording it never saw, or (for a miss) a flag the issue gate withdrew. To stay
# under two minutes this notebook uses a sample of six settings;
# `uv run python benchmarks/quality.py --errors reports/errors.csv` writes the
# same table for all notes (about ten minutes), which you can load
# below instead. No note text is shown, only ids, labels, causes and cue words.

# %%
import pandas as pd

from ethicsnlp.error_analysis import cause_table, grouped_cv_errors
from ethicsnlp.explore import load_labelled
from ethicsnlp.paths import DATA_DIR

frame = load_labelled([DATA_DIR / "labelled" / "gold_train.jsonl"])
settings = ["r2", "r5", "r9", "r11", "r13", "r17"]
sample = frame[frame["note_id"].str.split("-").str[0].isin(settings)].reset_index(drop=True)
errors, metrics = grouped_cv_errors(sample, cv=0)
print(f"{len(sample)} notes from {len(settings)} settings; leave-one-setting-out macro F1 "
      f"{metrics['macro_f1']:.3f}; {len(errors)} label errors")

# %% [markdown]
# ## Errors by label, kind and cause

# %%
cause_table(errors)

# %% [markdown]
# ## The most confident mistakes
#
# False positives with the highest probability and false negatives with the
# lowest: the first places to look when improving rules or adding data. The
# `cues` column lists the label's cue words with the context state the pipeline
# gave them (`aff_therapist`, `neg`, `hyp`, `aff_client`, `aff_other`).

# %%
pd.set_option("display.max_colwidth", 120)
false_positives = errors[errors["kind"] == "FP"].nlargest(10, "probability")
false_negatives = errors[errors["kind"] == "FN"].nsmallest(10, "probability")
false_positives[["note_id", "label", "probability", "threshold", "cause", "true_labels", "cues"]]

# %%
false_negatives[["note_id", "label", "probability", "threshold", "cause", "cues"]]

# %% [markdown]
# ## Share of errors by cause

# %%
errors.groupby(["kind", "cause"]).size().rename("errors").to_frame().assign(
    share=lambda t: (t["errors"] / t["errors"].sum()).round(3)
)
