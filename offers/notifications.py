"""Emails about approvals, sent through Django's email API once the change has committed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from offers.languages import candidate_language
from offers.models import CandidateLink, ChangeRequest, Offer
from offers.roles import people_with_perm


def _send(
    *,
    subject: str,
    template: str,
    context: dict[str, object],
    to: list[str],
    language: str = "en",
) -> None:
    """An email once the transaction commits: the company's people read English (whatever
    language the request that caused it was in), a candidate their own (`language`)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    # A candidate's name is user text: no line break may reach a mail header.
    subject = " ".join(subject.split())
    with translation.override(language):
        body = render_to_string(template, {**context, "company_name": settings.COMPANY_NAME})
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))


def awaiting_approval(offer: Offer) -> None:
    """To the hiring manager, or to the exception approvers once the manager has approved."""
    link = settings.SITE_URL + reverse("admin:offers_offer_change", args=[offer.pk])
    if offer.awaits_exceptions:
        approvers = people_with_perm("offers.approve_exceptions").exclude(
            pk=offer.approved_by_id or 0
        )
        to = [person.email for person in approvers]
        subject = f"Exception approval needed: offer for {offer.candidate_name}"
    else:
        to = [offer.hiring_manager.email]
        subject = f"Offer for {offer.candidate_name} awaits your approval"
    _send(
        subject=subject,
        template="offers/email/awaiting_approval.txt",
        context={"offer": offer, "link": link},
        to=to,
    )


def decided(offer: Offer, *, approved: bool, note: str, by: User) -> None:
    """To the recruiter who built the offer (and whoever submitted it)."""
    link = settings.SITE_URL + offer.get_absolute_url()
    verdict = "approved" if approved else "rejected"
    people = [offer.created_by, offer.submitted_by]
    _send(
        subject=f"Offer for {offer.candidate_name} {verdict}",
        template="offers/email/decided.txt",
        context={"offer": offer, "link": link, "approved": approved, "note": note, "by": by},
        to=[person.email for person in people if person is not None],
    )


def candidate_link(
    offer: Offer, *, url: str, change_note: str | None = None, link: CandidateLink | None = None
) -> None:
    """To the candidate: their private link (the only place, besides the recruiter's screen,
    where the token is ever written). `change_note`: the offer was changed after their request
    (the recruiter's note, maybe blank)."""
    language = candidate_language(offer, link)  # the letter's, or English if they chose it
    with translation.override(language):
        subject = (
            _("Your changed offer from {company}")
            if change_note is not None
            else _("Your offer from {company}")
        )
    _send(
        subject=subject.format(company=settings.COMPANY_NAME),
        template="offers/email/candidate_link.txt",
        context={"offer": offer, "url": url, "change_note": change_note},
        to=[offer.candidate_email],
        language=language,
    )


def change_requested(offer: Offer, request: ChangeRequest) -> None:
    """To the recruiter who built the offer: the candidate asked for a change."""
    _send(
        subject=f"{offer.candidate_name} asked for a change to their offer",
        template="offers/email/change_requested.txt",
        context={
            "offer": offer,
            "request": request,
            "link": settings.SITE_URL + offer.get_absolute_url() + "#change-request",
        },
        to=[offer.created_by.email] + ([offer.submitted_by.email] if offer.submitted_by else []),
    )


def change_kept(offer: Offer, request: ChangeRequest) -> None:
    """To the candidate: the offer stays as it is, with the recruiter's message."""
    language = candidate_language(offer, request.link)
    with translation.override(language):
        subject = _("About your request for a change to your offer from {company}").format(
            company=settings.COMPANY_NAME
        )
    _send(
        subject=subject,
        template="offers/email/change_kept.txt",
        context={"offer": offer, "request": request},
        to=[offer.candidate_email],
        language=language,
    )


def candidate_answered(offer: Offer, *, note: str) -> None:
    """To the recruiter: the candidate accepted or declined."""
    _send(
        subject=f"{offer.candidate_name} {offer.get_status_display().lower()} the offer",
        template="offers/email/candidate_answered.txt",
        context={
            "offer": offer,
            "note": note,
            "link": settings.SITE_URL + offer.get_absolute_url(),
        },
        to=[offer.created_by.email] + ([offer.submitted_by.email] if offer.submitted_by else []),
    )
