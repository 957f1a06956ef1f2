"""Candidates' personal data: kept for a set period after an offer ends, exported and erased on
request, both stopped by a legal hold.

Anonymizing an offer removes what identifies its candidate (name, email, typed notes and
reasons, the IP addresses and browsers of their answers, the addresses links were emailed to,
the letters' files) and keeps what the company's records need: the figures, department, level,
model split and dates (so token commitments and "what is usual" do not change), and every audit
event with who at the company did what and when.
"""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from collections.abc import Iterable
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core import serializers
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from offers import lifecycle, signals
from offers.actions import Action
from offers.models import (
    CandidateLink,
    ChangeRequest,
    Letter,
    Offer,
    OfferEvent,
    TokenAllocation,
)
from offers.services.workflow import OfferError, audit, locked

logger = logging.getLogger(__name__)

Status = lifecycle.Status
# Offers whose candidate's data is kept CANDIDATE_RETENTION_DAYS after they end (a rejected
# offer nobody takes up again ends there too); accepted ones EMPLOYEE_RETENTION_DAYS.
ENDED = lifecycle.ENDED
ANSWER_ACTIONS = {lifecycle.MOVES["accept"].action, lifecycle.MOVES["decline"].action}
# What an answer's audit event records of the candidate's browser and typing.
ANSWER_DETAILS = ("ip address", "user agent", "name typed")
# A request for a change and its answer are the candidate's: their events keep only that there
# was one and how it was answered (issue 38).
CHANGE_ACTIONS = {Action.CHANGE_REQUESTED, Action.CHANGE_ANSWERED}
CHANGE_KEPT = ("request", "answer")
IDENTIFYING_CHANGES = (
    "candidate_name",
    "candidate_email",
    "Candidate name",
    "Candidate email",
    *ANSWER_DETAILS,
)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def identifying_strings(offer: Offer) -> set[str]:
    """Everything that names the candidate: their name and email now and as they were in any
    change, the name they typed, the IP address and browser of their answers."""
    found = {offer.candidate_name, offer.candidate_email}
    for changes in offer.events.values_list("changes", flat=True):
        for key in IDENTIFYING_CHANGES:
            found.update(_strings((changes or {}).get(key)))
    found.update(offer.links.exclude(emailed_to="").values_list("emailed_to", flat=True))
    return {text for text in found if text and text.strip() and text != "the candidate"}


def scrub(value: Any, secrets: set[str], placeholder: str) -> Any:
    """`value` (text or JSON) with every secret replaced, longest first."""
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, placeholder)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, secrets, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, secrets, placeholder) for item in value]
    return value


def with_end(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """The offers with `ended`: when each reached the status it is in (its last move into it)."""
    return offers.annotate(
        ended=Max(
            "events__at",
            filter=Q(events__to_status=F("status")) & ~Q(events__from_status=F("status")),
        )
    )


def offer_anonymize(*, offer: Offer, by: User | None, reason: str) -> Offer:
    """Remove the candidate's personal data from one offer; its figures and the company's
    audit trail stay. Refused under a legal hold; a second call does nothing."""
    delete_files: list[str] = []
    with transaction.atomic():
        offer = locked(offer)
        if offer.anonymized_at is not None:
            return offer
        if offer.legal_hold:
            raise OfferError(f"Offer {offer.pk} is under a legal hold: {offer.legal_hold_reason}")
        secrets = identifying_strings(offer)
        now = timezone.now()
        placeholder = f"Candidate #{offer.pk}"
        for event in offer.events.all():
            changes = {k: v for k, v in (event.changes or {}).items() if k not in ANSWER_DETAILS}
            if event.action in CHANGE_ACTIONS:
                changes = {k: v for k, v in changes.items() if k in CHANGE_KEPT}
            # A candidate's own words (a decline reason) are theirs: removed, not scrubbed; so
            # are the words about their request for a change.
            note = (
                ""
                if (event.actor_id is None and event.action in ANSWER_ACTIONS)
                or event.action in CHANGE_ACTIONS
                else (scrub(event.note, secrets, placeholder))
            )
            OfferEvent.objects.filter(pk=event.pk).update(
                note=note, changes=scrub(changes, secrets, placeholder)
            )
        offer.links.update(emailed_to="")
        # Their requests for a change (what they asked, their message, the answers to them).
        offer.change_requests.all().delete()
        delete_files += [str(letter.file.name) for letter in offer.letters.exclude(file="")]
        offer.letters.update(file="")
        # What other apps hold of the candidate (signing: the signed letters and signatures).
        for _, files in signals.personal_data_erase.send(
            sender=Offer, offer=offer, placeholder=placeholder
        ):
            delete_files += list(files or [])
        offer.candidate_name = f"{placeholder} (anonymized on {now:%-d %b %Y})"
        offer.candidate_email = f"candidate-{offer.pk}@anonymized.invalid"
        offer.internal_notes = scrub(offer.internal_notes, secrets, placeholder)
        offer.approved_figures = scrub(offer.approved_figures, secrets, placeholder)
        offer.anonymized_at = now
        # Not a change of terms: no new version, no approval again (its search text follows).
        offer.save(
            update_fields=[
                "candidate_name",
                "candidate_email",
                "internal_notes",
                "approved_figures",
                "anonymized_at",
            ]
        )
        note = scrub(reason, secrets, placeholder)
        audit(offer, by=by, action=Action.ANONYMIZED, from_status=offer.status, note=note)
        transaction.on_commit(partial(_delete_files, delete_files))
    logger.info("Offer %s anonymized: %s", offer.pk, note)
    return offer


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def due_for_retention(today: datetime.date) -> list[tuple[Offer, datetime.datetime]]:
    """Offers whose retention period after they ended has passed, not held, not done, each
    with when it ended."""
    periods = dict.fromkeys(ENDED, settings.CANDIDATE_RETENTION_DAYS) | dict.fromkeys(
        lifecycle.COMMITTED, settings.EMPLOYEE_RETENTION_DAYS
    )
    candidates = with_end(
        Offer.objects.filter(
            anonymized_at__isnull=True,
            legal_hold=False,
            status__in=[status for status, days in periods.items() if days is not None],
        )
    )
    due = []
    for offer in candidates:
        days, ended = periods[Status(offer.status)], offer.ended  # type: ignore[attr-defined]
        if ended is None or days is None:
            continue
        if timezone.localtime(ended).date() + datetime.timedelta(days=days) <= today:
            due.append((offer, ended))
    return due


def retention_apply(
    *, today: datetime.date, dry_run: bool = False
) -> list[tuple[Offer, datetime.datetime]]:
    """Anonymize every offer past its retention period (only say which, with `dry_run`): the
    offers as they were found, each with when it ended."""
    due = due_for_retention(today)
    if not dry_run:
        for offer, _ in due:
            offer_anonymize(offer=offer, by=None, reason="Retention period passed.")
    return due


def offers_of(email: str) -> QuerySet[Offer]:
    return Offer.objects.filter(candidate_email__iexact=email.strip(), anonymized_at__isnull=True)


def candidate_erase(*, email: str, reason: str, by: User | None) -> list[Offer]:
    """Erase one person's data now, on their request: refused, with the reason, while any of
    their offers is open or under a legal hold."""
    offers = list(offers_of(email))
    if not offers:
        raise OfferError("No offer holds data of that email address.")
    if not reason.strip():
        raise OfferError("Give the reason for the erasure (e.g. the request's reference).")
    blocked = [
        f"offer {o.pk} is {o.get_status_display().lower()}"
        for o in offers
        if o.status in lifecycle.OPEN
    ] + [
        f"offer {o.pk} is under a legal hold ({o.legal_hold_reason})"
        for o in offers
        if o.legal_hold
    ]
    if blocked:
        raise OfferError("Not erased: " + "; ".join(blocked) + ".")
    return [
        offer_anonymize(offer=offer, by=by, reason=f"Erased on request: {reason.strip()}")
        for offer in offers
    ]


def candidate_export(*, email: str) -> bytes:
    """Everything held about one person, as a ZIP of JSON and their letters' PDFs."""
    offers = list(offers_of(email))
    if not offers:
        raise OfferError("No offer holds data of that email address.")
    ids = [offer.pk for offer in offers]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        parts: dict[str, QuerySet[Any]] = {
            "offers.json": Offer.objects.filter(pk__in=ids),
            "token_models.json": TokenAllocation.objects.filter(offer__in=ids),
            "events.json": OfferEvent.objects.filter(offer__in=ids),
            "links.json": CandidateLink.objects.filter(offer__in=ids).defer("token_hash"),
            "letters.json": Letter.objects.filter(offer__in=ids),
            "change_requests.json": ChangeRequest.objects.filter(offer__in=ids),
        }
        for name, rows in parts.items():
            archive.writestr(name, serializers.serialize("json", rows, indent=2))
        for letter in Letter.objects.filter(offer__in=ids).exclude(file=""):
            try:
                with letter.file.open("rb") as handle:
                    archive.writestr(f"letters/{letter.download_name}", handle.read())
            except FileNotFoundError:
                continue
        # What other apps hold of them (signing: signatures and the signed letters).
        for _, answer in signals.personal_data_export.send(sender=Offer, offer_ids=ids):
            held = cast(list[tuple[str, bytes]], answer or [])
            for part_name, content in held:
                archive.writestr(part_name, content)
        archive.writestr(
            "README.txt",
            f"Data held about {email.strip()} on {timezone.now():%Y-%m-%d %H:%M %Z}: "
            f"{len(ids)} offer(s), their token models, audit events, candidate links "
            "(when they were opened), letter records and the letters themselves, requests "
            "for a change to an offer, and "
            "signatures with the signed letters.\n",
        )
    return buffer.getvalue()


def legal_hold_set(*, offer: Offer, reason: str, by: User) -> Offer:
    if not reason.strip():
        raise OfferError("Give the reason for the legal hold.")
    with transaction.atomic():
        offer = locked(offer)
        Offer.objects.filter(pk=offer.pk).update(legal_hold=True, legal_hold_reason=reason.strip())
        offer.refresh_from_db()
        audit(
            offer,
            by=by,
            action=Action.LEGAL_HOLD_SET,
            from_status=offer.status,
            note=reason.strip(),
        )
    return offer


def legal_hold_release(*, offer: Offer, by: User) -> Offer:
    with transaction.atomic():
        offer = locked(offer)
        Offer.objects.filter(pk=offer.pk).update(legal_hold=False, legal_hold_reason="")
        offer.refresh_from_db()
        audit(offer, by=by, action=Action.LEGAL_HOLD_RELEASED, from_status=offer.status)
    return offer


def export_filename(email: str) -> str:
    local = "".join(c if c.isalnum() else "-" for c in email.split("@")[0])[:40]
    return f"candidate-data-{local}.zip"
