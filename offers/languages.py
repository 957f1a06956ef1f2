"""The candidate's language (issue 37): their pages, emails and signing steps speak the approved
letter's language where the app has it (German, English), or English if they chose it on their
link; what is added to the letter itself (its completion certificate, the signature stamps)
speaks the letter's."""

from __future__ import annotations

from django.conf import settings

from offers.models import CandidateLink, Offer


def letter_language(offer: Offer) -> str:
    """The approved letter's language where the app speaks it (German, English), else English."""
    version = offer.letter_template_version
    code = (version.language if version else "") or offer.letter_language or "en"
    primary = code.replace("_", "-").split("-")[0].lower()  # de_DE, de-DE, de: de
    return primary if primary in dict(settings.LANGUAGES) else "en"


def candidate_language(offer: Offer, link: CandidateLink | None = None) -> str:
    """The language of the candidate's screens and emails: the one they chose on this link
    (the letter's or English), else the approved letter's."""
    language = letter_language(offer)
    if link is not None and link.language in {language, "en"}:
        return link.language
    return language
