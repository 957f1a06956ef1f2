"""Signing, step by step: consent, a one-time code, the signature (which accepts the offer),
the seal made by a worker, the countersignature, and the signed PDF kept and sent.

Each step has the shape of the offers' workflows (`offers.services`): lock the row, guard with a
sentence for the person (`OfferError`), change the state through the one door
(`moves.signature_move`: the conditional update, the audit event, the job on commit), and send
email once the transaction commits. A refusal that must still count (a wrong code) is recorded
first and raised after the transaction commits.

The rooms: `moves` (the door, voiding), `selectors` (finding the signature without writing,
what holds a link back), `candidate` (consent, code, signature), `company` (who countersigns,
countersigning after or before the candidate), `jobs` (the worker's seal and countersignature,
the sweep), `certificate` (the completion certificate). What pages show is `signing.pages`.
"""

from __future__ import annotations

from signing.services.candidate import code_send, code_verify, consent_give, sign
from signing.services.certificate import certificate_facts, certificate_html, certificate_lines
from signing.services.company import (
    countersign_request,
    countersigners,
    may_countersign,
    presign_request,
)
from signing.services.jobs import (
    countersign_seal,
    presign,
    seal,
    seal_failed,
    signatures_sweep,
)
from signing.services.moves import signature_move, void
from signing.services.selectors import (
    can_sign,
    consent_text,
    countersigns_first,
    link_refusal,
    masked,
    offer_signature,
    person,
    signed_signature,
    void_stale,
)

__all__ = [
    "can_sign",
    "certificate_facts",
    "certificate_html",
    "certificate_lines",
    "code_send",
    "code_verify",
    "consent_give",
    "consent_text",
    "countersign_request",
    "countersign_seal",
    "countersigners",
    "countersigns_first",
    "link_refusal",
    "masked",
    "may_countersign",
    "offer_signature",
    "person",
    "presign",
    "presign_request",
    "seal",
    "seal_failed",
    "sign",
    "signature_move",
    "signatures_sweep",
    "signed_signature",
    "void",
    "void_stale",
]
