"""ConText-style cue and context detection, in the spirit of medspaCy's ConText.

The ``ethics_context`` component finds, from rule files shipped in
``ethicsnlp/resources``:

* **cue spans** per label (``doc.spans["cues"]``, ``span.label_`` = label id);
* **modifiers** that mark tokens as negated ("declined", "did not") or
  hypothetical (questions, "if", policy statements), within a clause-limited scope;
* the **actor** of each clause: the therapist (or writer, the default subject of
  a note), the client, or a non-therapist third party (family, physician, pastor);
* **handled** cues (safety plan, release signed, mandated report, referral,
  consultation) in ``doc.spans["handled"]``.

Token attributes: ``token._.negated``, ``token._.hypothetical``, ``token._.actor``,
``token._.handled``. Span attributes (``doc.spans`` members): ``span._.negated``,
``span._.hypothetical``, ``span._.actor``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from ethicsnlp.resources import load_json
from ethicsnlp.taxonomy import LABEL_IDS

THERAPIST, CLIENT, OTHER = "therapist", "client", "other"
CLAUSE_BREAKS = frozenset(
    {
        ";",
        ",",
        ":",
        "(",
        ")",
        "but",
        "however",
        "then",
        "so",
        "because",
        "when",
        "while",
        "after",
        "before",
        "that",
        "who",
        "and",
        "although",
        "though",
        "whereas",
        "as",
        "-",
        "–",
    }
)
SUBJECT_PREFIX = frozenset(
    {
        "the",
        "this",
        "a",
        "an",
        "her",
        "his",
        "their",
        "my",
        "our",
        "former",
        "previous",
        "prior",
        "another",
        "other",
        "current",
        "new",
        "same",
        "both",
        "also",
        "then",
        "his/her",
        "your",
        "'s",
        "client",
        "older",
        "younger",
        "old",
        "ex",
        "one",
        "two",
    }
)


def _register_extensions() -> None:
    for name, default in (
        ("negated", False),
        ("hypothetical", False),
        ("handled", False),
        ("actor", THERAPIST),
    ):
        if not Token.has_extension(name):
            Token.set_extension(name, default=default)
    getters: dict[str, Callable[[Span], object]] = {
        "negated": lambda span: any(t._.negated for t in span),
        "hypothetical": lambda span: any(t._.hypothetical for t in span),
        "actor": lambda span: span[0]._.actor,
    }
    for name, getter in getters.items():
        if not Span.has_extension(name):
            Span.set_extension(name, getter=getter)


_register_extensions()


def _pattern_docs(nlp: Language, stop_at: str, phrases: Iterable[str]) -> list[Doc]:
    """Run ``phrases`` through the pipeline components that come before ``stop_at``."""
    docs = []
    for phrase in phrases:
        doc = nlp.make_doc(phrase)
        for name, proc in nlp.pipeline:
            if name == stop_at:
                break
            doc = proc(doc)
        docs.append(doc)
    return docs


class EthicsContext:
    """spaCy component marking label cues, negation, hypotheticals, actors and handling."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self._ready = False
        self._nlp = nlp
        rules = load_json("context.json")
        self.terminators = frozenset(rules["terminators"])

    def initialize(
        self, get_examples: Callable | None = None, *, nlp: Language | None = None
    ) -> None:
        """Build the matchers; spaCy calls this from ``nlp.initialize()`` after the lemmatizer."""
        nlp = nlp or self._nlp
        rules = load_json("context.json")
        cues = load_json("cues.json")
        self.cue_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        for label in LABEL_IDS:
            self.cue_matcher.add(label, _pattern_docs(nlp, self.name, cues[label]))
        self.modifier_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.modifier_rules: dict[str, tuple[str, str, int]] = {}
        for i, rule in enumerate(rules["modifiers"]):
            key = f"{rule['category']}_{i}"
            self.modifier_rules[key] = (rule["category"], rule["direction"], int(rule["max_scope"]))
            self.modifier_matcher.add(key, _pattern_docs(nlp, self.name, rule["phrases"]))
        self.actor_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        for role, phrases in rules["actors"].items():
            self.actor_matcher.add(role, _pattern_docs(nlp, self.name, phrases))
        self.handled_matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.handled_matcher.add("handled", _pattern_docs(nlp, self.name, rules["handled"]))
        self._ready = True

    def __call__(self, doc: Doc) -> Doc:
        if not self._ready:
            self.initialize()
        self._apply_modifiers(doc)
        self._assign_actors(doc)
        doc.spans["cues"] = [
            Span(doc, start, end, label=match_id) for match_id, start, end in self.cue_matcher(doc)
        ]
        handled = [Span(doc, s, e, label="handled") for _, s, e in self.handled_matcher(doc)]
        for span in handled:
            if not span._.negated and not span._.hypothetical:
                for token in span:
                    token._.handled = True
        doc.spans["handled"] = handled
        return doc

    def _scope_forward(self, doc: Doc, end: int, limit: int) -> range:
        sent_end = doc[end - 1].sent.end if end > 0 else len(doc)
        stop = end
        while stop < min(sent_end, end + limit) and doc[stop].lemma_ not in self.terminators:
            stop += 1
        return range(end, stop)

    def _scope_backward(self, doc: Doc, start: int, limit: int) -> range:
        sent_start = doc[start].sent.start
        first = start
        while (
            first > max(sent_start, start - limit) and doc[first - 1].lemma_ not in self.terminators
        ):
            first -= 1
        return range(first, start)

    def _apply_modifiers(self, doc: Doc) -> None:
        for sent in doc.sents:
            if sent.text.rstrip().endswith("?"):
                for token in sent:
                    token._.hypothetical = True
        for match_id, start, end in self.modifier_matcher(doc):
            category, direction, limit = self.modifier_rules[self.vocab.strings[match_id]]
            attr = "negated" if category == "NEGATED" else "hypothetical"
            scopes = []
            if direction in ("forward", "bidirectional"):
                scopes.append(self._scope_forward(doc, end, limit))
            if direction in ("backward", "bidirectional"):
                scopes.append(self._scope_backward(doc, start, limit))
            for scope in scopes:
                for i in scope:
                    setattr(doc[i]._, attr, True)

    def _assign_actors(self, doc: Doc) -> None:
        mentions: dict[int, tuple[int, str]] = {}
        for match_id, start, end in self.actor_matcher(doc):
            role = self.vocab.strings[match_id]
            if start not in mentions or end > mentions[start][0]:
                mentions[start] = (end, role)
        for sent in doc.sents:
            sentence_actor: str | None = None
            clause_actor: str | None = None
            clause_pos = 0
            i = sent.start
            while i < sent.end:
                token = doc[i]
                if token.lemma_ in CLAUSE_BREAKS or token.is_space:
                    clause_actor = None
                    clause_pos = 0
                    token._.actor = sentence_actor or THERAPIST
                    i += 1
                    continue
                if clause_actor is None and i in mentions and clause_pos <= 2:
                    end, role = mentions[i]
                    if end < sent.end and doc[end].lemma_ == "'s" and end + 1 in mentions:
                        end, role = mentions[end + 1]
                    elif end + 1 < sent.end and doc[end].lemma_ == "'s" and end + 2 in mentions:
                        end, role = mentions[end + 2]
                    clause_actor = role
                    if sentence_actor is None:
                        sentence_actor = role
                    for j in range(i, min(end, sent.end)):
                        doc[j]._.actor = role
                    clause_pos += end - i
                    i = end
                    continue
                if clause_actor is None and token.lemma_ not in SUBJECT_PREFIX:
                    clause_pos = 99
                clause_pos += 1
                token._.actor = clause_actor or sentence_actor or THERAPIST
                i += 1


@Language.factory("ethics_context")
def make_ethics_context(nlp: Language, name: str) -> EthicsContext:
    """spaCy factory for :class:`EthicsContext`."""
    return EthicsContext(nlp, name)
