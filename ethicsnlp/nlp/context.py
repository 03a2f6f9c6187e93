"""ConText-style cue and context detection, in the spirit of medspaCy's ConText.

The ``ethics_context`` component finds, from rule files shipped in
``ethicsnlp/resources``:

* **cue spans** per label (``doc.spans["cues"]``, ``span.label_`` = label id);
* **modifiers** that mark tokens as negated ("declined", "did not") or
  hypothetical (questions, "if", policy statements), within a clause-limited scope;
* the **actor** of each clause: the therapist (or writer, the default subject of
  a note), the client, or a non-therapist third party (family, physician, pastor);
* **handled** cues (safety plan, release signed, mandated report, referral,
  consultation) in ``doc.spans["handled"]``;
* **refusal sentences**: sentences that report an offer declined or turned down, a
  gift returned, sessions not billed or information not shared (phrases and phrase
  combinations in the rule file). Every token of such a sentence is marked
  ``refused``, because a near-twin negative ("she offered to clean my flat for cash,
  and I turned that down") uses the same words as the violation in a sentence whose
  refusal sits outside the negation scope of any one clause. The phrases are matched
  on lower-case text with a ``PhraseMatcher`` (a token ``Matcher`` with the same
  patterns cost a third of the pipeline's time).

Token attributes: ``token._.negated``, ``token._.hypothetical``, ``token._.actor``,
``token._.handled``, ``token._.refused``. Span attributes (``doc.spans`` members):
``span._.negated``, ``span._.hypothetical``, ``span._.actor``.

The component stores its results once per doc, as one list per attribute indexed
by token position (:func:`context_columns`); the extension attributes read from
those lists, and the feature code reads the lists directly (much faster than one
``token._`` call per token).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import product

from spacy.attrs import IS_SPACE, LEMMA, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token

from ethicsnlp.nlp.sentences import sentence_bounds
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


#: ``doc.user_data`` key of the per-token context lists (see :func:`context_columns`).
CONTEXT_KEY = "ethicsnlp.context"
TOKEN_DEFAULTS: dict[str, object] = {
    "negated": False,
    "hypothetical": False,
    "handled": False,
    "refused": False,
    "actor": THERAPIST,
}


def context_columns(doc: Doc) -> dict[str, list] | None:
    """The context results of ``doc``: ``{"negated": [bool], "hypothetical": [bool],
    "actor": [str], "handled": [bool], "refused": [bool]}``, one entry per token, or
    ``None`` when the ``ethics_context`` component has not run on ``doc`` (every token has
    the defaults).

    The lists are plain Python values so that ``Doc.to_bytes``/``DocBin`` keep them.
    """
    return doc.user_data.get(CONTEXT_KEY)


def _new_columns(n: int) -> dict[str, list]:
    return {name: [default] * n for name, default in TOKEN_DEFAULTS.items()}


def _token_getter(name: str) -> Callable[[Token], object]:
    default = TOKEN_DEFAULTS[name]

    def get(token: Token) -> object:
        columns = token.doc.user_data.get(CONTEXT_KEY)
        return default if columns is None else columns[name][token.i]

    return get


def _token_setter(name: str) -> Callable[[Token, object], None]:
    def set_(token: Token, value: object) -> None:
        doc = token.doc
        columns = doc.user_data.get(CONTEXT_KEY)
        if columns is None:
            columns = doc.user_data[CONTEXT_KEY] = _new_columns(len(doc))
        columns[name][token.i] = value

    return set_


def _span_any(name: str) -> Callable[[Span], bool]:
    def get(span: Span) -> bool:
        columns = span.doc.user_data.get(CONTEXT_KEY)
        return columns is not None and any(columns[name][span.start : span.end])

    return get


def _span_actor(span: Span) -> object:
    if span.end <= span.start:
        raise IndexError("the span is empty")  # as span[0] would
    columns = span.doc.user_data.get(CONTEXT_KEY)
    return THERAPIST if columns is None else columns["actor"][span.start]


def _register_extensions() -> None:
    for name in TOKEN_DEFAULTS:
        Token.set_extension(name, getter=_token_getter(name), setter=_token_setter(name),
                            force=True)
    Span.set_extension("negated", getter=_span_any("negated"), force=True)
    Span.set_extension("hypothetical", getter=_span_any("hypothetical"), force=True)
    Span.set_extension("actor", getter=_span_actor, force=True)


_register_extensions()


def refusal_phrases(rules: dict) -> list[str]:
    """The refusal phrases of the rule file: its ``phrases`` plus every choice of one
    entry per slot of each of its ``combinations`` (an empty entry leaves a slot out)."""
    combined = (
        " ".join(word for word in choice if word)
        for slots in rules.get("combinations", [])
        for choice in product(*slots)
    )
    return [*rules["phrases"], *combined]


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
        # The hot loops compare lemma ids (hashes) instead of lemma strings.
        self.terminator_ids = frozenset(get_string_id(t) for t in self.terminators)
        self.clause_break_ids = frozenset(get_string_id(t) for t in CLAUSE_BREAKS)
        self.subject_prefix_ids = frozenset(get_string_id(t) for t in SUBJECT_PREFIX)
        self.possessive_id = get_string_id("'s")

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
        self.refusal_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.refusal_matcher.add(
            "refusal", [nlp.make_doc(phrase) for phrase in refusal_phrases(rules["refusals"])]
        )
        self._ready = True

    def __call__(self, doc: Doc) -> Doc:
        if not self._ready:
            self.initialize()
        n = len(doc)
        columns = _new_columns(n)
        orths, lemmas, spaces = doc.to_array([ORTH, LEMMA, IS_SPACE]).T.tolist()
        bounds = sentence_bounds(doc)
        sent_starts = [start for start, _ in bounds]
        self._mark_questions(orths, bounds, columns["hypothetical"])
        self._apply_modifiers(doc, lemmas, bounds, sent_starts, columns)
        self._assign_actors(doc, lemmas, spaces, bounds, columns["actor"])
        self._mark_refusals(doc, bounds, sent_starts, columns["refused"])
        doc.user_data[CONTEXT_KEY] = columns
        doc.spans["cues"] = [
            Span(doc, start, end, label=match_id) for match_id, start, end in self.cue_matcher(doc)
        ]
        negated, hypothetical, handled = (
            columns["negated"],
            columns["hypothetical"],
            columns["handled"],
        )
        spans = []
        for _, start, end in self.handled_matcher(doc):
            spans.append(Span(doc, start, end, label="handled"))
            if not any(negated[start:end]) and not any(hypothetical[start:end]):
                handled[start:end] = [True] * (end - start)
        doc.spans["handled"] = spans
        return doc

    def _mark_questions(
        self, orths: list[int], bounds: list[tuple[int, int]], hypothetical: list[bool]
    ) -> None:
        """Mark every token of the sentences whose text ends with ``?`` as hypothetical.

        ``sent.text.rstrip()`` ends with the last token text that is not all
        whitespace, right-stripped, so only the last tokens of a sentence are read.
        """
        strings = self.vocab.strings
        for start, end in bounds:
            for i in range(end - 1, start - 1, -1):
                last = strings[orths[i]].rstrip()
                if last:
                    if last.endswith("?"):
                        hypothetical[start:end] = [True] * (end - start)
                    break

    def _mark_refusals(
        self,
        doc: Doc,
        bounds: list[tuple[int, int]],
        sent_starts: list[int],
        refused: list[bool],
    ) -> None:
        """Mark every token of the sentences holding a refusal phrase as ``refused``."""
        for _, start, _end in self.refusal_matcher(doc):
            sent_start, sent_end = bounds[bisect_right(sent_starts, start) - 1]
            refused[sent_start:sent_end] = [True] * (sent_end - sent_start)

    def _apply_modifiers(
        self,
        doc: Doc,
        lemmas: list[int],
        bounds: list[tuple[int, int]],
        sent_starts: list[int],
        columns: dict[str, list],
    ) -> None:
        """Mark the scopes of negation and hypothetical modifiers."""
        hypothetical = columns["hypothetical"]
        terminators = self.terminator_ids
        n = len(lemmas)
        for match_id, start, end in self.modifier_matcher(doc):
            category, direction, limit = self.modifier_rules[self.vocab.strings[match_id]]
            flags = columns["negated"] if category == "NEGATED" else hypothetical
            if direction in ("forward", "bidirectional"):
                # the sentence of the modifier's last token (the whole doc after an empty match)
                sent_end = bounds[bisect_right(sent_starts, end - 1) - 1][1] if end > 0 else n
                stop = end
                while stop < min(sent_end, end + limit) and lemmas[stop] not in terminators:
                    stop += 1
                flags[end:stop] = [True] * (stop - end)
            if direction in ("backward", "bidirectional"):
                sent_start = sent_starts[bisect_right(sent_starts, start) - 1]
                first = start
                floor = max(sent_start, start - limit)
                while first > floor and lemmas[first - 1] not in terminators:
                    first -= 1
                flags[first:start] = [True] * (start - first)

    def _assign_actors(
        self,
        doc: Doc,
        lemmas: list[int],
        spaces: list[int],
        bounds: list[tuple[int, int]],
        actors: list[str],
    ) -> None:
        """Set the actor of every token from the role mentions that open its clause."""
        mentions: dict[int, tuple[int, str]] = {}
        for match_id, start, end in self.actor_matcher(doc):
            role = self.vocab.strings[match_id]
            if start not in mentions or end > mentions[start][0]:
                mentions[start] = (end, role)
        clause_breaks, subject_prefix, possessive = (
            self.clause_break_ids,
            self.subject_prefix_ids,
            self.possessive_id,
        )
        for sent_start, sent_end in bounds:
            sentence_actor: str | None = None
            clause_actor: str | None = None
            clause_pos = 0
            i = sent_start
            while i < sent_end:
                lemma = lemmas[i]
                if lemma in clause_breaks or spaces[i]:
                    clause_actor = None
                    clause_pos = 0
                    actors[i] = sentence_actor or THERAPIST
                    i += 1
                    continue
                if clause_actor is None and i in mentions and clause_pos <= 2:
                    end, role = mentions[i]
                    if end < sent_end and lemmas[end] == possessive and end + 1 in mentions:
                        end, role = mentions[end + 1]
                    elif end + 1 < sent_end and lemmas[end] == possessive and end + 2 in mentions:
                        end, role = mentions[end + 2]
                    clause_actor = role
                    if sentence_actor is None:
                        sentence_actor = role
                    stop = min(end, sent_end)
                    actors[i:stop] = [role] * (stop - i)
                    clause_pos += end - i
                    i = end
                    continue
                if clause_actor is None and lemma not in subject_prefix:
                    clause_pos = 99
                clause_pos += 1
                actors[i] = clause_actor or sentence_actor or THERAPIST
                i += 1


@Language.factory("ethics_context")
def make_ethics_context(nlp: Language, name: str) -> EthicsContext:
    """spaCy factory for :class:`EthicsContext`."""
    return EthicsContext(nlp, name)
