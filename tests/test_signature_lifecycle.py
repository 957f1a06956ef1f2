"""A signature's table of moves (`signing/lifecycle.py`), walked whole through its one door
(`signing.services.signature_move`): every allowed move changes the state, writes its audit
event and queues its job; every other pair of move and state changes nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from offers.models import Letter, Offer, OfferEvent
from offers.services import letter_render, letter_request
from signing import lifecycle
from signing.lifecycle import State
from signing.models import Signature
from signing.services import signature_move
from tests import factories

pytestmark = pytest.mark.django_db
PAIRS = [(name, state) for name in lifecycle.MOVES for state in State]


@pytest.fixture
def letter(recruiter: User, manager: User) -> Letter:
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    made = letter_render(letter_id=letter_request(offer=offer, by=recruiter).pk)
    assert made is not None
    return made


def test_each_move_from_each_state_is_made_audited_and_queued_or_changes_nothing(
    letter: Letter, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    """All the pairs on one letter (rendering one per pair would cost a minute): each pair a
    signature of its own, in the state the pair starts from."""
    offer = Offer.objects.get(pk=letter.offer_id)
    for name, state in PAIRS:
        signature = Signature.objects.create(
            offer=offer,
            letter=letter,
            offer_version=offer.version,
            letter_sha256=letter.sha256,
            state=state,
        )
        move = lifecycle.MOVES[name]
        events = OfferEvent.objects.filter(offer=offer).count()
        with django_capture_on_commit_callbacks() as jobs:
            moved = signature_move(signature, name, by=manager, note="table test")
        pair = f"{name} from {state}"
        assert moved is lifecycle.allows(name, state), pair
        if moved:
            assert Signature.objects.get(pk=signature.pk).state == move.to == signature.state, pair
            written = OfferEvent.objects.filter(offer=offer).count() - events
            if move.action is None:
                assert written == 0, pair
            else:
                event = OfferEvent.objects.filter(offer=offer).last()
                assert written == 1 and event is not None, pair
                assert (event.action, event.actor, event.note) == (
                    move.action,
                    manager,
                    "table test",
                ), pair
            assert len(jobs) == (1 if move.job else 0), pair
        else:
            assert Signature.objects.get(pk=signature.pk).state == state, pair
            assert OfferEvent.objects.filter(offer=offer).count() == events and not jobs, pair
        # Out of the way of the next pair: one live signature per offer.
        Signature.objects.filter(pk=signature.pk).update(state=State.VOID)


def test_the_table_reaches_every_state_and_the_candidates_steps_read_from_it() -> None:
    reached = {move.to for move in lifecycle.MOVES.values()} | lifecycle.BEGINS
    assert reached == set(State)
    assert lifecycle.candidate_step(None) == "consent"
    assert lifecycle.candidate_step(State.PRESIGNED) == "consent"
    assert lifecycle.candidate_step(State.CONSENTED) == "code"
    assert lifecycle.candidate_step(State.CODE_SENT) == "code"
    assert lifecycle.candidate_step(State.VERIFIED) == "sign"
    assert lifecycle.candidate_step(State.PRESIGNING) == "wait"


def test_no_state_is_set_outside_the_door_and_no_template_compares_a_state() -> None:
    root = Path(__file__).resolve().parents[1]
    assignments = [
        f"{path.name}:{number}"
        for path in (root / "signing").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bsignature\.state\s*=[^=]", line)
    ]
    assert assignments == []
    literals = [
        path.name
        for path in (root / "templates" / "signing").rglob("*.html")
        if re.search(r"state\s*[!=]=\s*\"", path.read_text())
    ]
    assert literals == []
