"""What signing answers when offers ask (`offers.signals`): offers never import signing."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from offers import signals
from offers.actions import Action
from offers.models import Offer, OfferEvent
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
    return _(
        "This offer is accepted by signing its letter: give your consent, enter the code we "
        "email you and sign on this page."
    )


@receiver(signals.link_check, sender=Offer)
def countersigned_first(sender: Any, offer: Offer, **kwargs: Any) -> str | None:
    """A template that asks for the company's countersignature first holds the link back until
    it is there."""
    from signing.services import link_refusal

    return link_refusal(offer)


@receiver(signals.personal_data_erase, sender=Offer)
def erase_signatures(sender: Any, offer: Offer, placeholder: str, **kwargs: Any) -> list[str]:
    """Signed letters carry the name, the email, the address and the browser: all go; the hashes
    stay, so a copy the candidate kept can still be shown to be one we issued. The files go once
    the erasure commits (the names are answered)."""
    files = [
        str(field.name)
        for signature in offer.signatures.all()
        for field in (signature.file, signature.countersigned_file)
        if field
    ]
    offer.signatures.update(
        typed_name=placeholder,
        ip_address="",
        user_agent="",
        code_sent_to="",
        code_hash="",
        file="",
        countersigned_file="",
    )
    return files


@receiver(signals.personal_data_export, sender=Offer)
def export_signatures(sender: Any, offer_ids: list[int], **kwargs: Any) -> list[tuple[str, bytes]]:
    """Signatures (consent, times, address, browser; not the hash of a code) and the signed
    letters."""
    from django.core import serializers

    signatures = Signature.objects.filter(offer__in=offer_ids)
    fields = [f.name for f in Signature._meta.fields if f.name not in {"id", "code_hash"}]
    parts = [
        (
            "signatures.json",
            serializers.serialize("json", signatures, fields=fields, indent=2).encode(),
        )
    ]
    for signature in signatures:
        if signature.final_file:
            try:
                with signature.final_file.open("rb") as handle:
                    parts.append((f"signed/{signature.download_name}", handle.read()))
            except FileNotFoundError:
                continue
    return parts


@receiver(post_save, sender=OfferEvent, dispatch_uid="signing.receivers.letter_changed")
def offer_edited(sender: Any, instance: OfferEvent, created: bool, **kwargs: Any) -> None:
    """A change of terms makes the letter being signed no longer the one to sign: signatures in
    progress on it are voided now, in the change's transaction (signing starts again from
    consent), rather than when a page next reads them."""
    if created and instance.action == Action.EDITED:
        from signing.services import void_stale

        void_stale(instance.offer)


@receiver(signals.letter_ready, dispatch_uid="signing.receivers.letter_ready")
def letter_made(sender: Any, letter: Any, offer: Offer, **kwargs: Any) -> None:
    """A new approved letter with other bytes than the one being signed voids that signature."""
    if not letter.draft:
        from signing.services import void_stale

        void_stale(offer)
