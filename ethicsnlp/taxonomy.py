"""The single source of truth for ethicsnlp's label ids.

The ids, their order, seed category names and one-line definitions follow the
project's label guide (``docs/labels.md``). Every other module imports
:data:`LABELS` or :data:`LABEL_IDS` from here; a test checks that the guide in
``docs/`` and this module agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """One ethical-issue label: its fixed id, seed category and short definition."""

    id: str
    category: str
    definition: str
    not_applies: str


LABELS: tuple[Label, ...] = (
    Label(
        "dual_relationship",
        "Dual Relationships",
        "The therapist takes on a second, non-clinical role with the client: friendship, "
        "dating, business, hiring, buying or selling, bartering, social media, socialising.",
        "A brief chance meeting, a declined invitation, managed small-community overlap.",
    ),
    Label(
        "exploitation",
        "Exploitation",
        "The therapist uses the client for personal gain: sexual or romantic contact, loans, "
        "money, favours, valuable gifts, false billing, prolonging therapy for income.",
        "A token gift under policy, the agreed fee, client feelings handled professionally.",
    ),
    Label(
        "boundary_violation",
        "Lack of Boundaries",
        "The therapist blurs professional limits: long self-disclosure of own problems, "
        "personal texting or calls, using sessions for own needs, unwanted or intimate touch.",
        "Brief purposeful self-disclosure, a handshake, crisis contact via the on-call line.",
    ),
    Label(
        "confidentiality_breach",
        "Violating Confidentiality",
        "The therapist discloses client information without consent or fails to secure it: "
        "telling family, employers or the public, misdirected or unsecured records.",
        "Signed release, mandated reports, duty to warn, court orders, de-identified consultation.",
    ),
    Label(
        "imposing_beliefs",
        "Imposing Personal Beliefs",
        "The therapist pushes own religion, politics, morals or lifestyle, or tells the client "
        "their identity, orientation, relationship or faith is wrong.",
        "Exploring the client's own faith at their request, client-led values work.",
    ),
    Label(
        "giving_advice",
        "Providing Advice or Personal Opinions",
        "The therapist tells the client what to decide on life choices or gives personal "
        "opinions of their partner, family or choices, directing instead of exploring.",
        "Psychoeducation, skills teaching, protocol homework, safety planning, neutral options.",
    ),
    Label(
        "beyond_competence",
        "Overstepping Competence",
        "The therapist works outside their training or scope: untrained methods, medication "
        "instructions by a non-prescriber, legal or medical advice, unqualified opinions.",
        "Referring out, supervised training work, consulting a prescriber or physician.",
    ),
    Label(
        "harmful_practice",
        "Engaging in Harmful Therapeutic Practices",
        "The therapist uses harmful or discredited methods: conversion therapy, rebirthing, "
        "suggestive memory recovery, shaming, threatening, coercing, restraint.",
        "Evidence-based exposure, EMDR by a trained clinician, DBT or CBT, agreed plans.",
    ),
    Label(
        "neglecting_risk",
        "Ignoring or Neglecting Serious Issues",
        "Serious risk (suicide, homicide, self-harm, abuse, partner danger, medical warning "
        "signs) is disclosed and the therapist does not assess, plan, document or report.",
        "The same disclosure followed by assessment, safety plan, report or reasoned decision.",
    ),
    Label(
        "misrepresenting_qualifications",
        "Misrepresenting Qualifications",
        "The therapist claims a licence, degree, title or specialty not held, practises on a "
        "lapsed licence, or a trainee presents as licensed.",
        "Accurately stating one's title, a trainee who discloses supervision.",
    ),
)

LABEL_IDS: tuple[str, ...] = tuple(label.id for label in LABELS)
LABELS_BY_ID: dict[str, Label] = {label.id: label for label in LABELS}


def label_index(label_id: str) -> int:
    """Return the position of ``label_id`` in :data:`LABEL_IDS`.

    Raises ``KeyError`` naming the unknown id and the valid ones.
    """
    try:
        return LABEL_IDS.index(label_id)
    except ValueError:
        raise KeyError(
            f"unknown label id {label_id!r}; valid ids: {', '.join(LABEL_IDS)}"
        ) from None
