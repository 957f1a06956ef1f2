from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.models import ApprovalPolicy, Offer, OfferEvent, SalaryBand
from offers.roles import EXCEPTION_APPROVERS, HIRING_MANAGERS
from offers.services import (
    NotAllowed,
    OfferError,
    candidate_link_create,
    offer_approve,
    offer_reject,
    offer_submit,
    offer_withdraw,
    offers_expire,
)
from tests import factories

pytestmark = pytest.mark.django_db
Status = Offer.Status


@pytest.fixture
def finance() -> User:
    return factories.user("frankie", role=EXCEPTION_APPROVERS, is_staff=True)


@pytest.fixture
def pending(offer: Offer, recruiter: User) -> Offer:
    return offer_submit(offer=offer, by=recruiter)


def set_status(offer: Offer, status: str) -> Offer:
    Offer.objects.filter(pk=offer.pk).update(status=status)
    offer.refresh_from_db()
    return offer


# Transitions ---------------------------------------------------------------------------------


def test_submit_moves_a_draft_to_pending_and_emails_the_hiring_manager(
    offer: Offer, recruiter: User, manager: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submitted = offer_submit(offer=offer, by=recruiter)
    assert submitted.status == Status.PENDING_APPROVAL
    assert submitted.submitted_by == recruiter and submitted.submitted_at is not None
    event = submitted.events.last()
    assert event is not None
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "submitted",
        recruiter,
        "draft",
        "pending_approval",
    )
    [email] = mail.outbox
    assert email.to == ["hm@example.com"]
    assert "Dana Candidate" in email.subject
    assert f"{settings.SITE_URL}/admin/offers/offer/{offer.pk}/change/" in email.body
    assert "$334,500" in email.body


def test_approve_records_the_approved_figures_and_emails_the_recruiter(
    pending: Offer, manager: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approved = offer_approve(offer=pending, by=manager, note="Good hire.")
    assert approved.status == Status.APPROVED
    assert approved.approved_by == manager and approved.approved_version == approved.version
    assert approved.approved_figures["Base salary"] == "$200,000"
    assert approved.approved_figures["First-year total"] == "$334,500"
    assert approved.approved_figures["Token budget per day (USD)"] == "$150.00"
    event = OfferEvent.objects.filter(offer=pending, action="approved").get()
    assert (event.actor, event.note, event.from_status) == (
        manager,
        "Good hire.",
        "pending_approval",
    )
    [email] = mail.outbox
    assert email.to == ["riley@example.com"]
    assert "approved" in email.subject
    assert f"{settings.SITE_URL}/offers/{pending.pk}/" in email.body
    assert "Good hire." in email.body


def test_reject_needs_a_note_then_sends_the_offer_back_to_the_recruiter(
    pending: Offer, manager: User, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    with pytest.raises(OfferError, match="Say why"):
        offer_reject(offer=pending, by=manager, note="   ")
    assert Offer.objects.get(pk=pending.pk).status == Status.PENDING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True):
        # A NUL byte (invisible; PostgreSQL refuses to store one) is dropped from the note.
        rejected = offer_reject(offer=pending, by=manager, note="Base is above our range.\x00")
    assert rejected.status == Status.REJECTED
    assert rejected.events.last().note == "Base is above our range."  # type: ignore[union-attr]
    [email] = mail.outbox
    assert "rejected" in email.subject and "Base is above our range." in email.body
    # Editing a rejected offer makes it a draft again, which can be submitted again.
    draft = factories.edit(rejected, by=recruiter, base_salary=Decimal("190000"))
    assert draft.status == Status.DRAFT
    assert offer_submit(offer=draft, by=recruiter).status == Status.PENDING_APPROVAL


def test_withdraw_is_final(offer: Offer, recruiter: User, manager: User) -> None:
    withdrawn = offer_withdraw(offer=offer, by=recruiter, note="Candidate took another job.")
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.events.last().note == "Candidate took another job."  # type: ignore[union-attr]
    for attempt in [
        lambda: offer_submit(offer=withdrawn, by=recruiter),
        lambda: offer_withdraw(offer=withdrawn, by=recruiter),
        lambda: offer_approve(offer=withdrawn, by=manager),
        lambda: factories.edit(withdrawn, by=recruiter, base_salary=Decimal("1")),
    ]:
        with pytest.raises(OfferError):
            attempt()
    assert Offer.objects.get(pk=offer.pk).base_salary == Decimal("200000")


ALL = [status for status, _ in Status.choices]


@pytest.mark.parametrize("status", ALL)
def test_submit_is_allowed_only_from_draft_or_rejected(
    offer: Offer, recruiter: User, status: str
) -> None:
    set_status(offer, status)
    if status in {"draft", "rejected"}:
        assert offer_submit(offer=offer, by=recruiter).status == Status.PENDING_APPROVAL
    else:
        with pytest.raises(OfferError, match="only a draft or a rejected offer"):
            offer_submit(offer=offer, by=recruiter)
        assert Offer.objects.get(pk=offer.pk).status == status
        assert not offer.events.filter(action="submitted").exists()


@pytest.mark.parametrize("status", ALL)
def test_approve_and_reject_are_allowed_only_while_awaiting_approval(
    offer: Offer, manager: User, status: str
) -> None:
    set_status(offer, status)
    if status == "pending_approval":
        assert offer_approve(offer=offer, by=manager).status == Status.APPROVED
        return
    if status == "pending_exception":
        # The hiring manager's part is done; the second approval is somebody else's.
        with pytest.raises(NotAllowed):
            offer_approve(offer=offer, by=manager)
        return
    for attempt in [
        lambda: offer_approve(offer=offer, by=manager),
        lambda: offer_reject(offer=offer, by=manager, note="no"),
    ]:
        with pytest.raises(OfferError, match="only an offer awaiting approval"):
            attempt()
    assert Offer.objects.get(pk=offer.pk).status == status


@pytest.mark.parametrize("status", ALL)
def test_withdraw_is_refused_once_the_offer_is_final(
    offer: Offer, recruiter: User, status: str
) -> None:
    set_status(offer, status)
    if status in {"accepted", "declined", "withdrawn", "expired"}:
        with pytest.raises(OfferError, match="cannot be withdrawn"):
            offer_withdraw(offer=offer, by=recruiter)
        assert Offer.objects.get(pk=offer.pk).status == status
    else:
        assert offer_withdraw(offer=offer, by=recruiter).status == Status.WITHDRAWN


def test_only_the_assigned_hiring_manager_may_decide(
    pending: Offer, recruiter: User, finance: User
) -> None:
    other = factories.user("other-hm", role=HIRING_MANAGERS, is_staff=True)
    for person in [other, recruiter, finance]:
        with pytest.raises(NotAllowed):
            offer_approve(offer=pending, by=person)
        with pytest.raises(NotAllowed):
            offer_reject(offer=pending, by=person, note="no")
    assert Offer.objects.get(pk=pending.pk).status == Status.PENDING_APPROVAL
    assert not OfferEvent.objects.filter(action__in=["approved", "rejected"]).exists()


def test_approval_of_figures_that_changed_meanwhile_is_refused(
    pending: Offer, manager: User, recruiter: User
) -> None:
    seen = pending.version
    factories.edit(pending, by=recruiter, sign_on_bonus=Decimal("50000"))
    with pytest.raises(OfferError, match="figures changed since you opened"):
        offer_approve(offer=pending, by=manager, expected_version=seen)
    assert Offer.objects.get(pk=pending.pk).status == Status.PENDING_APPROVAL


# Re-approval ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["approved", "sent"])
def test_a_figure_changed_after_approval_needs_approval_again(
    pending: Offer,
    manager: User,
    recruiter: User,
    status: str,
    django_capture_on_commit_callbacks,
) -> None:
    approved = set_status(offer_approve(offer=pending, by=manager), status)
    with django_capture_on_commit_callbacks(execute=True):
        changed = factories.edit(approved, by=recruiter, token_usd_per_day=Decimal("200"))
    assert changed.status == Status.PENDING_APPROVAL
    assert changed.approved_by is None
    event = changed.events.last()
    assert event is not None
    assert (event.from_status, event.to_status) == (status, "pending_approval")
    assert event.changes["token_usd_per_day"] == ["150.00", "200.00"]
    assert [email.to for email in mail.outbox] == [["hm@example.com"]]
    # What changed since the approval, side by side.
    rows = {name: (then, now) for name, then, now, changed in changed.changes_since_approval()}
    assert rows["Token budget per day (USD)"] == ("$150.00", "$200.00")
    assert rows["First-year total"] == ("$334,500", "$346,000")
    reapproved = offer_approve(offer=changed, by=manager)
    assert reapproved.status == Status.APPROVED
    event = reapproved.events.last()
    assert event is not None and event.action == "approved"
    assert event.changes["Token budget per day (USD)"] == ["$150.00", "$200.00"]


def test_the_same_amount_typed_differently_is_no_change(
    pending: Offer, manager: User, recruiter: User
) -> None:
    approved = offer_approve(offer=pending, by=manager)
    # Stored as 200000.00 and 50.0000; the form shows and posts 200000 and 50.
    same = factories.edit(
        approved,
        by=recruiter,
        base_salary=Decimal("200000"),
        equity_price_per_unit=Decimal("50"),
    )
    assert same.status == Status.APPROVED and same.version == approved.version
    event = same.events.last()
    assert event is not None and event.action == "approved"


def test_a_note_changed_after_approval_keeps_the_approval(
    pending: Offer, manager: User, recruiter: User
) -> None:
    approved = offer_approve(offer=pending, by=manager)
    after = factories.edit(approved, by=recruiter, internal_notes="Prefers a March start.")
    assert after.status == Status.APPROVED and after.approved_by == manager


# Exception rules -----------------------------------------------------------------------------


def test_offer_within_every_rule_needs_one_approval(
    offer: Offer, recruiter: User, manager: User
) -> None:
    ApprovalPolicy.objects.create(
        max_token_usd_per_day=Decimal("150"), max_token_share_of_base_percent=Decimal("20")
    )
    SalaryBand.objects.create(
        level="L5", currency="USD", min_base=Decimal("180000"), max_base=Decimal("200000")
    )
    submitted = offer_submit(offer=offer, by=recruiter)
    assert submitted.rule_breaks == []
    assert offer_approve(offer=submitted, by=manager).status == Status.APPROVED


@pytest.mark.parametrize(
    ("policy", "band", "expected"),
    [
        (
            {"max_token_usd_per_day": Decimal("100")},
            None,
            "Token budget $150.00 a day is over the cap of $100.00 a day.",
        ),
        (
            {"max_token_share_of_base_percent": Decimal("15")},
            None,
            "Token line is 17.3% of base salary, over the cap of 15%.",
        ),
        (
            {},
            ("210000", "260000"),
            "Base salary $200,000 is below the L5 band of $210,000–$260,000.",
        ),
        (
            {},
            ("150000", "190000"),
            "Base salary $200,000 is above the L5 band of $150,000–$190,000.",
        ),
    ],
)
def test_offer_outside_a_rule_needs_an_exception_approver_after_the_manager(
    offer: Offer,
    recruiter: User,
    manager: User,
    finance: User,
    policy: dict[str, Decimal],
    band: tuple[str, str] | None,
    expected: str,
    django_capture_on_commit_callbacks,
) -> None:
    ApprovalPolicy.objects.create(**policy)
    if band:
        SalaryBand.objects.create(
            level="L5", currency="USD", min_base=Decimal(band[0]), max_base=Decimal(band[1])
        )
    submitted = offer_submit(offer=offer, by=recruiter)
    assert submitted.rule_breaks == [expected]
    with django_capture_on_commit_callbacks(execute=True):
        first = offer_approve(offer=submitted, by=manager)
    assert first.status == Status.PENDING_EXCEPTION
    assert [email.to for email in mail.outbox] == [["frankie@example.com"]]
    assert expected in mail.outbox[0].body
    # The manager cannot give the second approval, even holding the permission too.
    manager.user_permissions.add(*finance.groups.get().permissions.all())
    manager = User.objects.get(pk=manager.pk)
    with pytest.raises(NotAllowed, match="someone other than the first approver"):
        offer_approve(offer=first, by=manager)
    final = offer_approve(offer=first, by=finance)
    assert final.status == Status.APPROVED
    assert (final.approved_by, final.exception_approved_by) == (manager, finance)
    actions = list(final.events.values_list("action", flat=True))
    assert actions[-2:] == ["approved by hiring manager", "exceptions approved"]


def test_exception_approver_can_reject(pending: Offer, manager: User, finance: User) -> None:
    ApprovalPolicy.objects.create(max_token_usd_per_day=Decimal("10"))
    Offer.objects.filter(pk=pending.pk).update(rule_breaks=["over the cap"])
    first = offer_approve(offer=pending, by=manager)
    rejected = offer_reject(offer=first, by=finance, note="Token budget too high.")
    assert rejected.status == Status.REJECTED


# Two clicks at once --------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: CI runs this against PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_record_exactly_one() -> None:
    # Transactional tests start from emptied tables: no roles, so permissions are given directly.
    recruiter = factories.user("riley-race", role=None)
    manager = factories.user("hm-race", role=None, is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="approve_offer"))
    manager = User.objects.get(pk=manager.pk)
    offer = offer_submit(offer=factories.offer(by=recruiter, hiring_manager=manager), by=recruiter)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        try:
            barrier.wait()
            offer_approve(offer=offer, by=manager)
            outcomes.append("approved")
        except OfferError as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("approved") == 1
    [refusal] = [outcome for outcome in outcomes if outcome != "approved"]
    assert "only an offer awaiting approval" in refusal or "same moment" in refusal
    assert OfferEvent.objects.filter(offer=offer, action="approved").count() == 1


# The admin -----------------------------------------------------------------------------------


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_opens_on_the_offers_awaiting_me(
    pending: Offer, manager: User, recruiter: User
) -> None:
    other_manager = factories.user("other-hm", role=HIRING_MANAGERS, is_staff=True)
    factories.offer(by=recruiter, hiring_manager=other_manager, candidate_name="Not Mine")
    mine_draft = factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Draft Dan")
    client = admin_client(manager)
    url = reverse("admin:offers_offer_changelist")
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].endswith("?awaiting=me")
    page = client.get(url + "?awaiting=me").content.decode()
    assert "Dana Candidate" in page and "Draft Dan" not in page and "Not Mine" not in page
    assert "$334,500" in page and "$150.00" in page and "by riley" in page
    everything = client.get(url + "?awaiting=any").content.decode()
    assert mine_draft.candidate_name in everything and "Not Mine" not in everything


def test_admin_filter_for_offers_outside_a_rule(
    offer: Offer, recruiter: User, manager: User
) -> None:
    ApprovalPolicy.objects.create(max_token_usd_per_day=Decimal("100"))
    offer_submit(offer=offer, by=recruiter)
    within = factories.offer(
        by=recruiter, hiring_manager=manager, candidate_name="Modest Mo", token_usd_per_day=50
    )
    offer_submit(offer=within, by=recruiter)
    client = admin_client(manager)
    url = reverse("admin:offers_offer_changelist")
    breaking = client.get(url + "?awaiting=me&breaks_rule=yes").content.decode()
    assert "Dana Candidate" in breaking and "Modest Mo" not in breaking
    keeping = client.get(url + "?awaiting=me&breaks_rule=no").content.decode()
    assert "Modest Mo" in keeping and "Dana Candidate" not in keeping


def test_admin_change_page_shows_the_figures_and_approves(
    pending: Offer, manager: User, django_capture_on_commit_callbacks
) -> None:
    client = admin_client(manager)
    page = client.get(reverse("admin:offers_offer_change", args=[pending.pk])).content.decode()
    for figure in [
        "$334,500",
        "$150.00",
        "180,018,001",
        f"genai-prices, as of {timezone.localdate():%-d %b %Y}",
    ]:
        assert figure in page
    assert "Not approved before" in page
    assert "field-action" in page  # the history, inline
    assert "Approve these figures" in page
    decide = reverse("admin:offers_offer_decide", args=[pending.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide, {"decision": "approve", "version": pending.version})
    assert response.status_code == 302
    assert Offer.objects.get(pk=pending.pk).status == Status.APPROVED
    assert len(mail.outbox) == 1


def test_admin_reject_without_a_note_is_refused_with_a_message(
    pending: Offer, manager: User
) -> None:
    client = admin_client(manager)
    decide = reverse("admin:offers_offer_decide", args=[pending.pk])
    response = client.post(decide, {"decision": "reject", "note": ""}, follow=True)
    assert "Say why you reject the offer" in response.content.decode()
    assert Offer.objects.get(pk=pending.pk).status == Status.PENDING_APPROVAL


def test_admin_change_page_lists_rules_broken(offer: Offer, recruiter: User, manager: User) -> None:
    ApprovalPolicy.objects.create(max_token_usd_per_day=Decimal("100"))
    offer_submit(offer=offer, by=recruiter)
    page = admin_client(manager).get(reverse("admin:offers_offer_change", args=[offer.pk]))
    assert "Token budget $150.00 a day is over the cap of $100.00 a day." in page.content.decode()


def test_bulk_approve_and_bulk_reject_go_through_the_services(
    pending: Offer, recruiter: User, manager: User
) -> None:
    second = offer_submit(
        offer=factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Sam Second"),
        by=recruiter,
    )
    draft = factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Drew Draft")
    client = admin_client(manager)
    url = reverse("admin:offers_offer_changelist") + "?awaiting=any"
    response = client.post(
        url,
        {"action": "approve_selected", "_selected_action": [pending.pk, draft.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Approved 1 offer(s)." in page and "Not approved: Drew Draft" in page
    assert Offer.objects.get(pk=pending.pk).status == Status.APPROVED
    assert Offer.objects.get(pk=draft.pk).status == Status.DRAFT
    asked = client.post(url, {"action": "reject_selected", "_selected_action": [second.pk]})
    assert "Why (required)" in asked.content.decode()
    assert Offer.objects.get(pk=second.pk).status == Status.PENDING_APPROVAL
    client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [second.pk],
            "confirm": "yes",
            "note": "Level is wrong.",
        },
    )
    rejected = Offer.objects.get(pk=second.pk)
    assert rejected.status == Status.REJECTED
    assert rejected.events.last().note == "Level is wrong."  # type: ignore[union-attr]


def test_admin_refuses_other_managers_recruiters_and_strangers(
    pending: Offer, recruiter: User
) -> None:
    change = reverse("admin:offers_offer_change", args=[pending.pk])
    changelist = reverse("admin:offers_offer_changelist")
    decide = reverse("admin:offers_offer_decide", args=[pending.pk])
    approve = {"action": "approve_selected", "_selected_action": [pending.pk]}

    anonymous = Client()
    for response in [anonymous.get(change), anonymous.post(decide, {"decision": "approve"})]:
        assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]

    # A recruiter has no staff access: the admin sends them to its login.
    as_recruiter = admin_client(recruiter)
    assert "/admin/login/" in as_recruiter.get(changelist).headers["Location"]

    # Another manager does not see the offer and cannot decide it.
    other = admin_client(factories.user("other-hm", role=HIRING_MANAGERS, is_staff=True))
    assert "Dana Candidate" not in other.get(changelist + "?awaiting=any").content.decode()
    assert other.get(change).status_code == 302  # "doesn't exist", back to the admin index
    assert other.post(decide, {"decision": "approve"}).status_code == 404
    other.post(changelist + "?awaiting=any", approve)

    # Staff without the approve permission: no action offered, 403 when posted anyway.
    viewer = factories.user("viewer", role=None, is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name=HIRING_MANAGERS).permissions.exclude(codename="approve_offer")
    )
    Offer.objects.filter(pk=pending.pk).update(hiring_manager=viewer)
    as_viewer = admin_client(viewer)
    page = as_viewer.get(changelist + "?awaiting=any").content.decode()
    assert "Dana Candidate" in page and "approve_selected" not in page
    assert "Approve these figures" not in as_viewer.get(change).content.decode()
    assert as_viewer.post(changelist + "?awaiting=any", approve).status_code == 403
    assert as_viewer.post(decide, {"decision": "approve"}).status_code == 403
    assert Offer.objects.get(pk=pending.pk).status == Status.PENDING_APPROVAL
    assert not OfferEvent.objects.filter(action="approved").exists()


# The recruiter's offer page ------------------------------------------------------------------


def test_recruiter_submits_and_withdraws_from_the_offer_page(
    offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    client = admin_client(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Submit for approval" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:submit", args=[offer.pk]), follow=True)
    page = response.content.decode()
    assert "submitted: the hiring manager has been emailed" in page
    assert 'data-status="pending_approval"' in page and "Submit for approval" not in page
    assert len(mail.outbox) == 1
    again = client.post(reverse("offers:submit", args=[offer.pk]), follow=True)
    assert "only a draft or a rejected offer" in again.content.decode()
    client.post(reverse("offers:withdraw", args=[offer.pk]), {"note": "Role closed."})
    assert Offer.objects.get(pk=offer.pk).status == Status.WITHDRAWN
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Edit offer" not in page and "Role closed." in page
    # The history reads as sentences, not stored values.
    assert "riley submitted it for approval." in page and "riley withdrew it." in page
    assert "pending_approval" not in page
    assert "pending_approval →" not in page
    assert client.get(reverse("offers:edit", args=[offer.pk])).status_code == 302


def test_another_recruiter_cannot_submit_or_withdraw(offer: Offer) -> None:
    stranger = admin_client(factories.user("sam"))
    assert stranger.post(reverse("offers:submit", args=[offer.pk])).status_code == 404
    assert stranger.post(reverse("offers:withdraw", args=[offer.pk])).status_code == 404
    assert Offer.objects.get(pk=offer.pk).status == Status.DRAFT


def test_offer_page_says_which_rules_a_draft_would_break(offer: Offer, recruiter: User) -> None:
    ApprovalPolicy.objects.create(max_token_share_of_base_percent=Decimal("10"))
    page = admin_client(recruiter).get(offer.get_absolute_url()).content.decode()
    assert "Token line is 17.3% of base salary, over the cap of 10%." in page


# Frozen prices -------------------------------------------------------------------------------


def test_approval_keeps_its_prices_and_the_page_says_when_today_differs(
    pending: Offer, manager: User, recruiter: User
) -> None:
    approved = offer_approve(offer=pending, by=manager)
    client = admin_client(recruiter)
    assert "data-price-drift" not in client.get(approved.get_absolute_url()).content.decode()
    factories.dearer_snapshot("1.04")  # within 5%: nothing to say
    assert "data-price-drift" not in client.get(approved.get_absolute_url()).content.decode()
    newer = factories.dearer_snapshot("1.25", base=approved.price_snapshot)
    page = client.get(approved.get_absolute_url()).content.decode()
    assert "data-price-drift" in page
    assert "$187.50 a day</strong> instead of $150.00 (+25.0%)" in page
    # The offer still values its token line with the snapshot it was approved with.
    frozen = Offer.objects.get(pk=pending.pk)
    assert frozen.price_snapshot_id == pending.price_snapshot_id != newer.pk
    assert frozen.figures.valuation is not None
    assert frozen.figures.valuation.lines[0].tokens_per_day == 180_018_001


def test_open_offers_past_their_expiry_expire_and_their_link_stops(
    pending: Offer, offer: Offer, recruiter: User, manager: User, client: Client
) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    sent = factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Sent Sasha")
    sent = factories.approved(sent, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=sent, by=recruiter)
    draft = factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Draft Dee")
    Offer.objects.filter(pk__in=[pending.pk, sent.pk, draft.pk]).update(expires_on=yesterday)
    assert offers_expire() == 2
    assert Offer.objects.get(pk=pending.pk).status == Status.EXPIRED
    assert Offer.objects.get(pk=sent.pk).status == Status.EXPIRED
    assert Offer.objects.get(pk=draft.pk).status == Status.DRAFT  # the recruiter fixes the date
    event = OfferEvent.objects.get(offer=sent, action="expired")
    assert (event.actor, event.from_status) == (None, "sent")
    assert offers_expire() == 0
    response = client.get(reverse("candidate:offer", args=[token]))
    assert response.status_code == 410 and "This offer has expired" in response.content.decode()


def test_the_approval_page_shows_the_grant_and_only_what_changed_as_people_read_it(
    pending: Offer, recruiter: User, manager: User
) -> None:
    approved = offer_approve(offer=pending, by=manager)
    changed = factories.edit(approved, by=recruiter, base_salary=Decimal("210000"))
    page = (
        admin_client(manager)
        .get(reverse("admin:offers_offer_change", args=[changed.pk]))
        .content.decode()
    )
    grant = "Equity grant: 4,800 RSUs, valued at $50.00 a share, vesting monthly over 4 years"
    assert grant in page
    assert "In USD — US dollar." in page
    section = page.split("Changes since the last approval")[1].split("</table>")[0]
    assert '<th scope="row">Base salary</th><td>$200,000</td><td>$210,000</td>' in section
    assert "Currency" not in section and "Token usd per day" not in section
    assert "2026-" not in section  # no ISO dates


def test_the_managers_admin_home_leads_with_what_awaits_them(pending: Offer, manager: User) -> None:
    page = admin_client(manager).get("/admin/").content.decode()
    assert "1 offer awaits your approval" in page
    home = page.split("data-awaiting")[1].split("</table>")[0]
    assert pending.candidate_name in home and "$334,500" in home and "$150.00" in home
    assert "View site" not in page  # recruiters' pages would answer 403
    offer_approve(offer=pending, by=manager)
    assert "Nothing awaits your approval" in admin_client(manager).get("/admin/").content.decode()
