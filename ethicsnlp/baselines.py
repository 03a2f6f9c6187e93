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


class SpacyTextcatPeer:
    """spaCy's own ``textcat_multilabel`` (default ensemble architecture) on
    ``spacy.blank("en")``, trained from scratch; a peer for the quality benchmark.

    Thresholds: 0.5 on its scores, as spaCy's own evaluation uses.
    """

    def __init__(self, epochs: int = 8, seed: int = 0, batch_size: int = 32) -> None:
        self.epochs = epochs
        self.seed = seed
        self.batch_size = batch_size

    def fit(self, texts, Y, groups=None) -> SpacyTextcatPeer:
        """Train the text classifier on ``texts`` and the 0/1 matrix ``Y``."""
        import random

        import spacy
        from spacy.training import Example
        from spacy.util import fix_random_seed, minibatch

        from ethicsnlp.taxonomy import LABEL_IDS

        fix_random_seed(self.seed)
        nlp = spacy.blank("en")
        textcat = nlp.add_pipe("textcat_multilabel")
        for label in LABEL_IDS:
            textcat.add_label(label)
        examples = [
            Example.from_dict(
                nlp.make_doc(text),
                {"cats": {lb: float(v) for lb, v in zip(LABEL_IDS, row, strict=True)}},
            )
            for text, row in zip(texts, np.asarray(Y), strict=True)
        ]
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=self.batch_size):
                nlp.update(batch, sgd=optimizer, drop=0.2)
        self.nlp_ = nlp
        self.thresholds_ = np.full(len(LABEL_IDS), 0.5)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """Scores of the trained ``textcat_multilabel``, one column per label."""
        from ethicsnlp.taxonomy import LABEL_IDS

        return np.array(
            [
                [doc.cats[label] for label in LABEL_IDS]
                for doc in self.nlp_.pipe(list(texts), batch_size=64)
            ]
        )
