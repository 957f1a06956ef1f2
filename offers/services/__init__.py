"""Offer workflows with side effects, by subject; callers import them from `offers.services`.

- `workflow`: what every workflow shares (errors, the row lock, `move` through the lifecycle
  table of `offers.lifecycle`, and `audit`, the one way into the audit trail).
- `offers`: build, edit, submit, approve, reject, withdraw, expire.
- `letters`: the letter outbox, its job on the broker, the render, the sweep.
- `links`: the candidate's private link and their answer.
- `templates`: which letter template an offer uses, new versions, previews.

Every state change has one shape: lock the row, guard (raise `OfferError` with a sentence for
the person who clicked), a conditional update so two clicks cannot both win, an audit event,
and emails sent once the transaction has committed.
"""

from __future__ import annotations

from offers.services.letters import (
    BROKER_REFUSED,
    SEND_AGAIN_AFTER,
    letter_enqueue,
    letter_fail,
    letter_render,
    letter_request,
    letter_retry_later,
    letters_sweep,
)
from offers.services.links import (
    TOKEN_BYTES,
    accept_refusal,
    candidate_can,
    candidate_link_create,
    candidate_link_find,
    candidate_link_revoke,
    candidate_link_viewed,
    candidate_url,
    link_expiry,
    names_match,
    offer_accept,
    offer_decline,
    token_hash,
)
from offers.services.offers import (
    Allocation,
    decision_refusal,
    offer_approve,
    offer_create,
    offer_reject,
    offer_submit,
    offer_update,
    offer_withdraw,
    offers_expire,
)
from offers.services.templates import (
    choose_letter_version,
    letter_template_for,
    preview_render,
    preview_request,
    previews_sweep,
    sample_offer,
    template_version_save,
)
from offers.services.workflow import NotAllowed, OfferError, audit, locked, move

__all__ = [
    "BROKER_REFUSED",
    "SEND_AGAIN_AFTER",
    "TOKEN_BYTES",
    "Allocation",
    "accept_refusal",
    "NotAllowed",
    "OfferError",
    "audit",
    "candidate_can",
    "candidate_link_create",
    "candidate_link_find",
    "candidate_link_revoke",
    "candidate_link_viewed",
    "candidate_url",
    "choose_letter_version",
    "decision_refusal",
    "letter_enqueue",
    "letter_fail",
    "letter_render",
    "letter_request",
    "letter_retry_later",
    "letter_template_for",
    "letters_sweep",
    "link_expiry",
    "locked",
    "move",
    "names_match",
    "offer_accept",
    "offer_approve",
    "offer_create",
    "offer_decline",
    "offer_reject",
    "offer_submit",
    "offer_update",
    "offer_withdraw",
    "offers_expire",
    "preview_render",
    "preview_request",
    "previews_sweep",
    "sample_offer",
    "template_version_save",
    "token_hash",
]
