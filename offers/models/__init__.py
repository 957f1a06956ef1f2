"""The offers app's models, by subject; callers import them from `offers.models`.

- `offer`: `Offer` (its terms, figures through `offers.token_line`, its place in the
  lifecycle of `offers.lifecycle`), `Department`, `TokenAllocation`.
- `events`: `OfferEvent`, the audit trail, and the sentences it is read in.
- `approvals`: `ApprovalPolicy` (the exception rules) and `SalaryBand`.
- `letters`: `Letter`, `LetterTemplate`, `LetterTemplateVersion`, `TemplatePreview`.
- `links`: `CandidateLink`.
- `changes`: `ChangeRequest`, a candidate's request for a change.
"""

from __future__ import annotations

from offers.models.approvals import ApprovalPolicy, SalaryBand
from offers.models.changes import ChangeRequest
from offers.models.events import OfferEvent
from offers.models.letters import Letter, LetterTemplate, LetterTemplateVersion, TemplatePreview
from offers.models.links import CandidateLink
from offers.models.offer import (
    Department,
    Offer,
    OfferQuerySet,
    TokenAllocation,
    money_field,
    percent_field,
    search_form,
)
from offers.terms import APPROVED_TERMS, PRICED_TERMS, TERM_LABELS

__all__ = [
    "APPROVED_TERMS",
    "PRICED_TERMS",
    "TERM_LABELS",
    "ApprovalPolicy",
    "CandidateLink",
    "ChangeRequest",
    "Department",
    "Letter",
    "LetterTemplate",
    "LetterTemplateVersion",
    "Offer",
    "OfferEvent",
    "OfferQuerySet",
    "SalaryBand",
    "TemplatePreview",
    "TokenAllocation",
    "money_field",
    "percent_field",
    "search_form",
]
