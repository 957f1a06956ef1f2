"""The table of moves, walked whole: every allowed move works and is audited; every other
pair of move and status is refused and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from offers import lifecycle
from offers.models import Offer, OfferEvent
from offers.services import OfferError, move
from tests import factories

pytestmark = pytest.mark.django_db

PAIRS = [(name, status) for name in lifecycle.MOVES for status in lifecycle.Status]


def offer_in(status: str, recruiter: User) -> Offer:
    offer = factories.offer(by=recruiter)
    Offer.objects.filter(pk=offer.pk).update(status=status)
    offer.refresh_from_db()
    return offer


@pytest.mark.parametrize(("name", "status"), PAIRS, ids=[f"{n}-{s}" for n, s in PAIRS])
def test_each_move_from_each_status_is_made_and_audited_or_refused(
    name: str, status: str, recruiter: User
) -> None:
    offer = offer_in(status, recruiter)
    step = lifecycle.MOVES[name]
    events = OfferEvent.objects.filter(offer=offer).count()
    if lifecycle.allows(name, status):
        moved = move(offer, name, by=recruiter, note="table test")
        assert moved.status == step.to == Offer.objects.get(pk=offer.pk).status
        event = OfferEvent.objects.filter(offer=offer).last()
        assert event is not None and OfferEvent.objects.filter(offer=offer).count() == events + 1
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            step.action,
            status,
            step.to,
            recruiter,
        )
    else:
        with pytest.raises(OfferError, match="it cannot be"):
            move(offer, name, by=recruiter)
        assert Offer.objects.get(pk=offer.pk).status == status
        assert OfferEvent.objects.filter(offer=offer).count() == events


def test_the_named_sets_agree_with_the_table() -> None:
    assert frozenset(lifecycle.Status) == lifecycle.OPEN | lifecycle.FINAL
    assert not lifecycle.OPEN & lifecycle.FINAL
    # Nothing moves out of a final status.
    for step in lifecycle.MOVES.values():
        assert not step.sources & lifecycle.FINAL
    # Every status is reached by some move (a draft again by editing a rejected offer).
    assert {step.to for step in lifecycle.MOVES.values()} == frozenset(lifecycle.Status)


def test_every_action_has_its_sentence_and_every_move_names_an_action() -> None:
    from offers.actions import CANDIDATE_ACTIONS, SENTENCES, Action, action_of

    assert set(SENTENCES) == set(Action)
    assert set(Action) >= CANDIDATE_ACTIONS
    assert all(isinstance(move.action, Action) for move in lifecycle.MOVES.values())
    assert action_of("accepted") is Action.ACCEPTED and action_of("no such action") is None
