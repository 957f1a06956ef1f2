"""What signing answers when offers ask (`offers.signals`): offers never import signing."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from offers import signals
from offers.models import Offer
from offers.roles import person_name
from signing.certificates import signing_enabled
from signing.models import Signature


@receiver(signals.letter_signing, sender=Offer)
def signed_electronically(sender: Any, offer: Offer, **kwargs: Any) -> dict[str, str] | None:
    """While letters are signed, the letter rendered now is signed electronically: no blank for
    a date, and the company's line names the one person the template lets countersign."""
    if not signing_enabled():
        return None
    version = offer.letter_template_version
    named = version.template.countersigner if version else None
    return {"company_signer": person_name(named) if named else ""}


@receiver(signals.acceptance_check, sender=Offer)
def only_by_signing(
    sender: Any, offer: Offer, signature_id: int | None, **kwargs: Any
) -> str | None:
    """While letters are signed, an acceptance without a verified signature of this offer (the
    old answer form, posted by hand) is refused: no consent, no code, no sealed letter."""
    if not signing_enabled():
        return None
    verified = (
        signature_id is not None
        and (
            Signature.objects.filter(pk=signature_id, offer=offer, state=Signature.State.VERIFIED)
        ).exists()
    )
    if verified:
        return None
    return (
        "This offer is accepted by signing its letter: give your consent, enter the code we "
        "email you and sign on this page."
    )
