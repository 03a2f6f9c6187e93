"""The plain peer the project model is compared with: TF-IDF word + character
n-grams on the raw text and a linear classifier per label (the same linear SVM
as the project model; logistic regression scored the same or lower in our
grouped CV), with per-label thresholds tuned exactly as the project model's."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from ethicsnlp.model import ThresholdedMultiLabelClassifier


def build_peer(
    *, seed: int = 0, C: float = 1.0, cv: int = 5, n_jobs: int | None = None
) -> Pipeline:
    """TF-IDF (word 1-2 grams + char_wb 2-5 grams) -> thresholded linear classifiers
    (the same classifier and threshold tuning as the project model)."""
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=2,
                    sublinear_tf=True,
                    dtype=np.float32,
                    max_features=200_000,
                ),
            ),
        ]
    )
    classifier = ThresholdedMultiLabelClassifier(
        LinearSVC(C=C, class_weight="balanced", random_state=seed),
        cv=cv,
        random_state=seed,
        n_jobs=n_jobs,
    )
    return Pipeline([("features", features), ("classify", classifier)])
