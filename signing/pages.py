"""What pages show of signing (beside the views): the candidate's signing section and the signed
PDF download."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse

from offers.letters import pdf_file_response
from offers.models import Letter, Offer
from signing import consent
from signing import lifecycle as signature_lifecycle
from signing.certificates import company
from signing.models import Signature
from signing.services.selectors import can_sign, consent_text, masked, offer_signature


def signed_file_response(signature: Signature | None) -> FileResponse | None:
    """The latest signed PDF as a download: the same stored bytes for everyone; None when
    there is none yet (or its file is missing from storage, which is logged)."""
    field = signature.final_file if signature else None
    if signature is None or not field:
        return None
    return pdf_file_response(
        field,
        filename=signature.download_name,
        missing=f"Signature {signature.pk}'s signed letter is missing from storage",
    )


def candidate_context(offer: Offer, *, letter: Letter | None) -> dict[str, Any]:
    """The signing section of the candidate's page: off, a step to take, or the result.
    `letter`: the offer's approved letter, as the page has read it."""
    signature = offer_signature(offer, letter=letter)
    if signature is None and not can_sign(offer, letter):
        return {"on": False}
    return {
        "on": True,
        "step": signature_lifecycle.candidate_step(signature.state if signature else None),
        "signature": signature,
        "letter": letter,
        "consent_text": consent_text(offer),
        "consent_version": consent.version(),
        "email": masked(offer.candidate_email),
        "minutes": settings.SIGNING_CODE_MINUTES,
        "test_certificate": bool((signer := company()) and signer.is_test),
    }
