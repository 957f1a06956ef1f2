"""What a probe from outside found (issue 39), each item held by a test that failed before its
fix: signing cannot be skipped, an edited letter is not called intact, no token in the access
log, webhook addresses, 4xx for bad input, who may do what through the API, an answered link's
window, the signed letter's loose ends, one reader of the offer's signature, and the forms of
the page that shows a new link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from offers.models import CandidateLink, Offer
from offers.services import OfferError, offer_accept

pytestmark = pytest.mark.django_db

Sent = tuple[Offer, CandidateLink, str]


# 1. While letters are signed, the only way to accept is to sign -----------------------------


def answer(client: Client, token: str, **fields: str) -> Any:
    return client.post(reverse("candidate:answer", args=[token]), fields)


def test_the_old_answer_form_cannot_accept_while_letters_are_signed(
    client: Client, sent_to_sign: Sent
) -> None:
    offer, _, token = sent_to_sign
    accept = {"decision": "accept", "full_name": offer.candidate_name, "confirm": "yes"}
    assert answer(client, token, **accept).status_code == 200  # the confirmation page
    response = answer(client, token, **accept, final="yes")
    assert response.status_code == 400
    assert "accepted by signing its letter" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    assert not offer.events.filter(action="accepted").exists()


def test_no_other_door_accepts_without_a_signature(sent_to_sign: Sent) -> None:
    offer, link, _ = sent_to_sign
    with pytest.raises(OfferError, match="signing its letter"):
        offer_accept(
            link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent=""
        )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT


def test_declining_stays_possible_while_letters_are_signed(
    client: Client, sent_to_sign: Sent
) -> None:
    offer, _, token = sent_to_sign
    response = answer(client, token, decision="decline", confirm="yes", final="yes")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
