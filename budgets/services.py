"""Provisioning, revoking and reading back spend, each safe to run again: one identity per
offer (`offer-<id>-<6 hex>`, kept on the grant row, which is made before the gateway is asked),
whatever the number of runs or a crash between the gateway's answer and the row, because the
gateway's side is looked up by that name before anything is made."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets.gateways import Gateway, GatewayError, configured, gateway_model
from budgets.models import BudgetGrant, DailySpend, ModelSpend
from offers import lifecycle
from offers.actions import Action
from offers.letters.format import page_date
from offers.models import Offer
from offers.services import OfferError, audit, locked
from pricing.money import CENT, round_money

State = BudgetGrant.State


def identity_of(offer: Offer) -> str:
    """The employee's name in the gateway, made once with the grant and kept on it: the offer's
    id and six random hex digits, so that an offer id used again (a database restored beside a
    gateway that kept its users and traces) never inherits another person's spend."""
    return f"offer-{offer.pk}-{secrets.token_hex(3)}"


def promised_usd_per_day(offer: Offer) -> Decimal:
    """The cap: the offer's dollars a day (an offer made in tokens a day, converted at the
    prices it was valued with)."""
    valuation = offer.figures.valuation
    return round_money(valuation.usd_per_day if valuation else Decimal(0), places=CENT)


def _converted(offer: Offer) -> dict[str, str]:
    """For an offer made in tokens a day, where its dollars a day come from."""
    if offer.token_budget_unit != Offer.TokenBudgetUnit.TOKENS:
        return {}
    return {
        "converted from": f"{offer.token_tokens_per_day:,} tokens a day at {offer.price_snapshot}"
    }


def grant_of(offer: Offer, *, gateway: str) -> BudgetGrant:
    """The offer's grant, made waiting where there is none yet."""
    grant, _ = BudgetGrant.objects.get_or_create(
        offer=offer,
        defaults={
            "gateway": gateway,
            "identity": identity_of(offer),
            "usd_per_day": promised_usd_per_day(offer),
        },
    )
    return grant


def _gateway() -> Gateway:
    gateway = configured()
    if gateway is None:
        raise OfferError(
            "No LLM gateway is configured (TOKEN_GATEWAY): budgets are not provisioned."
        )
    return gateway


def budget_provision(*, offer: Offer, by: User | None) -> tuple[BudgetGrant, str]:
    """Give the accepted offer's employee their identity, credential and daily cap now,
    whatever the start date. Returns the grant and the credential (a new one each run: the
    earlier stops working)."""
    gateway = _gateway()
    if offer.status not in lifecycle.COMMITTED:
        raise OfferError("Only an accepted offer's budget is provisioned.")
    usd_per_day = promised_usd_per_day(offer)
    models = sorted({gateway_model(a.model_id) for a in offer.allocations.all()})
    grant = grant_of(offer, gateway=gateway.name)
    if grant.state == State.REVOKED:
        raise OfferError("This budget was revoked: it is not provisioned again.")
    try:
        made = gateway.provision(identity=grant.identity, usd_per_day=usd_per_day, models=models)
    except GatewayError as error:
        BudgetGrant.objects.filter(pk=grant.pk).update(
            state=State.FAILED, attempts=grant.attempts + 1, last_error=str(error)[:2000]
        )
        raise
    with transaction.atomic():
        offer = locked(offer)
        was = grant.state
        grant.state = State.ACTIVE
        grant.usd_per_day = usd_per_day
        grant.model_names = list(made.models)
        grant.missing_models = list(made.missing_models)
        grant.cap_id = made.cap_id
        grant.credential_prefix = made.credential[:6]
        # A new credential, not yet handed over (the earlier one stopped working): the new
        # hire takes it from their link, unless the operator hands it over (credential_handed).
        grant.credential_handed_at = None
        grant.active_since = grant.active_since or timezone.now()
        grant.attempts += 1
        grant.last_error = ""
        grant.save()
        audit(
            offer,
            by=by,
            action=Action.BUDGET_PROVISIONED,
            from_status=offer.status,
            changes={
                "gateway": gateway.name,
                "identity": grant.identity,
                "usd a day (per UTC day)": str(usd_per_day),
                **_converted(offer),
                "models": ", ".join(made.models),
                **({"not served": ", ".join(made.missing_models)} if made.missing_models else {}),
                **({"was": was} if was != State.WAITING else {}),
            },
        )
    return grant, made.credential


def credential_handed(grant: BudgetGrant) -> None:
    BudgetGrant.objects.filter(pk=grant.pk).update(credential_handed_at=timezone.now())


def budget_revoke(*, offer: Offer, reason: str, by: User | None) -> BudgetGrant:
    grant = BudgetGrant.objects.filter(offer=offer).first()
    if grant is None:
        raise OfferError("This offer's budget was never provisioned.")
    _gateway().revoke(identity=grant.identity)
    with transaction.atomic():
        offer = locked(offer)
        updated = (
            BudgetGrant.objects.filter(pk=grant.pk)
            .exclude(state=State.REVOKED)
            .update(state=State.REVOKED, revoked_at=timezone.now(), revoke_reason=reason[:300])
        )
        if updated:
            audit(
                offer,
                by=by,
                action=Action.BUDGET_REVOKED,
                from_status=offer.status,
                note=reason[:2000],
                changes={"identity": grant.identity},
            )
    grant.refresh_from_db()
    return grant


SYNC_DAYS_BACK = 31  # the longest gap a sync fills after an outage (the traces keep more)


# Each call's record (an MLflow trace) is written just after the call: a past day is final once
# read this long after it ended, and is not read from the gateway again.
SETTLED = datetime.timedelta(minutes=10)


def budget_sync(*, days: int = 2, everything: bool = False) -> int:
    """Read every active identity's spend and keep one row per person per UTC day, beside the
    cap in force (a day with no calls is a row of zero; a later read corrects an earlier one),
    split by model where the gateway says. Today's figure is the gateway's own window, read for
    everyone in one listing; a past day is read from the gateway's per-day records (in one search
    for everyone where the gateway has `spend_since`) until one read comes after it has settled
    (`SETTLED`), so most runs make no call per person. Each person's read goes back `days` days,
    or to the day of their last good read when that is older (at most `SYNC_DAYS_BACK`), so an
    outage loses nothing. A day first seen at its cap
    is audited ("budget cap reached"). The rows written; none while no gateway is set. A gateway
    that does not answer marks the people not read as stale (the pages say so) and raises
    `GatewayError`; the rows read before stay. `everything` (the operator's `token_budget sync`)
    reads every day's records, today's split by model included, whatever has settled."""
    gateway = configured()
    if gateway is None:
        return 0
    now = timezone.now()
    today = now.astimezone(datetime.UTC).date()
    grants = list(BudgetGrant.objects.filter(state=State.ACTIVE).select_related("offer"))
    try:
        windows = gateway.spend_today()
    except GatewayError:
        _stale([grant.pk for grant in grants], now)
        raise
    plans = []
    for grant in grants:
        # A gateway that knows today's figure only: past days stay as last read.
        since = _since(grant, today, days if gateway.keeps_history else 1)
        known = {row.day: row for row in grant.spend.filter(day__gte=since)}
        unsettled = [
            day
            for day in _days(since, today - datetime.timedelta(days=1))
            if everything or day not in known or known[day].read_at < end_of_day(day) + SETTLED
        ]
        plans.append(
            (grant, known, unsettled, bool(unsettled) or (everything and gateway.keeps_history))
        )
    # Where the gateway can, everyone's records in one search from the earliest day wanted.
    bulk: dict[str, dict[datetime.date, dict[str, Decimal]]] | None = None
    asking = [plan for plan in plans if plan[3]]
    spend_since = getattr(gateway, "spend_since", None)
    if spend_since is not None and len(asking) > 1:
        earliest = min((day for plan in asking for day in plan[2]), default=today)
        try:
            bulk = spend_since(earliest)
        except GatewayError:
            _stale([grant.pk for grant in grants], now)
            raise
    written = 0
    for index, (grant, known, unsettled, ask) in enumerate(plans):
        try:
            if not ask:
                by_day = {}
            elif bulk is not None:
                by_day = bulk.get(grant.identity, {})
            else:
                by_day = gateway.spend_by_day(identity=grant.identity)
        except GatewayError:
            _stale([plan[0].pk for plan in plans[index:]], now)
            raise
        written += _keep(
            grant,
            by_day,
            days=[*unsettled, today],
            today_total=windows.get(grant.identity),
            known=known,
            now=now,
        )
    return written


def _since(grant: BudgetGrant, today: datetime.date, days: int) -> datetime.date:
    since = today - datetime.timedelta(days=days - 1)
    if grant.spend_read_at and days > 1:
        since = min(since, grant.spend_read_at.astimezone(datetime.UTC).date())
    since = max(since, today - datetime.timedelta(days=SYNC_DAYS_BACK - 1))
    if grant.active_since:
        since = max(since, grant.active_since.astimezone(datetime.UTC).date())
    return since


def _days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def end_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(), datetime.UTC
    )


def day_write(
    grant: BudgetGrant,
    day: datetime.date,
    usd: Decimal,
    models: dict[str, Decimal],
    *,
    read_at: datetime.datetime,
) -> bool:
    """One person's day as read: the total beside the cap in force, and its split by model
    (written again when a later read corrects it). Whether the day reached the cap."""
    capped = grant.usd_per_day > 0 and usd >= grant.usd_per_day
    DailySpend.objects.update_or_create(
        grant=grant,
        day=day,
        defaults={"usd": usd, "cap_usd": grant.usd_per_day, "capped": capped, "read_at": read_at},
    )
    for model, model_usd in models.items():
        ModelSpend.objects.update_or_create(
            grant=grant, day=day, model=model[:200], defaults={"usd": model_usd}
        )
    return capped


def _stale(grant_ids: list[int], now: datetime.datetime) -> None:
    BudgetGrant.objects.filter(pk__in=grant_ids, spend_stale_since__isnull=True).update(
        spend_stale_since=now
    )


def _keep(
    grant: BudgetGrant,
    by_day: dict[datetime.date, dict[str, Decimal]],
    *,
    days: list[datetime.date],
    today_total: Decimal | None,
    known: dict[datetime.date, DailySpend],
    now: datetime.datetime,
) -> int:
    """One person's days (the last is today), written in one transaction with their grant's
    read time."""
    today = days[-1]
    with transaction.atomic():
        for day in days:
            models = by_day.get(day, {})
            # Today's total is the gateway's own window (what its cap counts); other days add
            # up the calls' recorded costs.
            usd = (
                today_total
                if day == today and today_total is not None
                else sum(models.values(), Decimal(0))
            )
            capped = day_write(grant, day, usd, models, read_at=now)
            if capped and not (day in known and known[day].capped):
                audit(
                    grant.offer,
                    by=None,
                    action=Action.BUDGET_CAP_REACHED,
                    from_status=grant.offer.status,
                    changes={
                        "identity": grant.identity,
                        "day (UTC)": day.isoformat(),
                        "spent usd": str(usd),
                        "cap usd": str(grant.usd_per_day),
                    },
                )
        BudgetGrant.objects.filter(pk=grant.pk).update(spend_read_at=now, spend_stale_since=None)
    return len(days)


def budgets_provision_due() -> int:
    """Every waiting or failed grant whose employee starts today or earlier; one failure does
    not stop the rest (it stays failed, with its reason, for the next run). The provisioned."""
    if configured() is None:
        return 0
    today = timezone.localdate()
    done = 0
    for grant in (
        BudgetGrant.objects.filter(
            state__in=[State.WAITING, State.FAILED], offer__start_date__lte=today
        )
        .exclude(ends_on__lt=today)
        .select_related("offer")
    ):
        try:
            budget_provision(offer=grant.offer, by=None)
        except (GatewayError, OfferError):
            continue
        done += 1
    return done


def budget_context(offer: Offer) -> dict[str, Any]:
    """The new hire's part of their page: the budget's state, today's spend against the cap
    (per UTC day, at the gateway's prices) and the last 30 days."""
    grant = BudgetGrant.objects.filter(offer=offer).first()
    if grant is None:
        return {"on": False}
    gateway = configured()
    today = timezone.now().astimezone(datetime.UTC).date()
    days = list(grant.spend.filter(day__gt=today - datetime.timedelta(days=30)).order_by("-day"))
    spent_today = next((row.usd for row in days if row.day == today), Decimal(0))
    return {
        "on": True,
        "grant": grant,
        "today": today,
        "spent_today": spent_today,
        "days": days,
        "read_at": max((row.read_at for row in days), default=None),
        "call_url": gateway.call_url if gateway else "",
        "auth": gateway.auth if gateway else "basic",
    }


def budget_credential_reveal(*, offer: Offer) -> tuple[BudgetGrant, str]:
    """The new hire's credential, made now and shown this once (a new password in the gateway:
    nothing is kept in clear). Once shown, the People team makes a new one."""
    with transaction.atomic():
        grant = BudgetGrant.objects.select_for_update().filter(offer=offer).first()
        if grant is None or grant.state != State.ACTIVE:
            raise OfferError(
                _("Your AI budget is not active yet: it starts on your start date. Try again then.")
            )
        if grant.credential_handed_at is not None:
            raise OfferError(
                _(
                    "Your credential was shown on {date}: if you no longer have it, ask the "
                    "People team for a new one."
                ).format(date=page_date(grant.credential_handed_at))
            )
        credential = _gateway().rotate(identity=grant.identity)
        grant.credential_prefix = credential[:6]
        grant.credential_handed_at = timezone.now()
        grant.save(update_fields=["credential_prefix", "credential_handed_at"])
        offer = locked(offer)
        audit(offer, by=None, action=Action.BUDGET_CREDENTIAL_SHOWN, from_status=offer.status)
    return grant, credential


ERASED = "The candidate's personal data was erased."
ENDED_FAILED = "Revoking after the last day failed"


def budgets_revoke_erased() -> int:
    """Revoke every budget whose offer's personal data was erased (the receiver tries at once;
    this catches what the gateway refused then). One failure does not stop the rest: it keeps
    its reason. The revoked."""
    if configured() is None:
        return 0
    return sum(
        _revoke_or_keep_reason(grant, ERASED, failed="Revoking after erasure failed")
        for grant in BudgetGrant.objects.exclude(state=State.REVOKED)
        .filter(offer__anonymized_at__isnull=False)
        .select_related("offer")
    )


def _revoke_or_keep_reason(
    grant: BudgetGrant, reason: str, *, failed: str, by: User | None = None
) -> bool:
    """Revoke one budget; where the gateway refuses, keep why on the grant for the hourly job
    to try again (one refusal stops nothing else). Whether it was revoked."""
    try:
        budget_revoke(offer=grant.offer, reason=reason, by=by)
    except GatewayError as error:
        BudgetGrant.objects.filter(pk=grant.pk).update(last_error=f"{failed}: {error}"[:2000])
        return False
    return True


def budget_end_set(*, offer: Offer, ends_on: datetime.date | None, by: User | None) -> BudgetGrant:
    """The employee's last day (None: not leaving); the budget is revoked after it (at once when
    that day has passed, else by the hourly job)."""
    with transaction.atomic():
        grant = BudgetGrant.objects.select_for_update().filter(offer=offer).first()
        if grant is None:
            raise OfferError(
                "This offer has no token budget: it was not accepted while a gateway was set."
            )
        if grant.state == State.REVOKED:
            raise OfferError("This budget is already revoked.")
        if ends_on is not None and ends_on < offer.start_date:
            raise OfferError(
                f"The last day of employment cannot be before the start date, "
                f"{offer.start_date:%-d %B %Y}."
            )
        if grant.ends_on == ends_on:
            return grant
        was, grant.ends_on = grant.ends_on, ends_on
        grant.save(update_fields=["ends_on"])
        offer = locked(offer)
        audit(
            offer,
            by=by,
            action=Action.BUDGET_END_SET,
            from_status=offer.status,
            changes={
                "last day of employment": ends_on.isoformat() if ends_on else "none",
                **({"was": was.isoformat()} if was else {}),
            },
        )
    if ends_on is not None and ends_on < timezone.localdate() and configured() is not None:
        # This budget only, now; a gateway that refuses is the hourly job's to retry.
        _revoke_or_keep_reason(grant, ended_reason(grant), failed=ENDED_FAILED, by=by)
    grant.refresh_from_db()
    return grant


def ended_reason(grant: BudgetGrant) -> str:
    return f"Employment ended on {grant.ends_on:%-d %B %Y}."


def budgets_revoke_ended() -> int:
    """Revoke every budget whose employee's last day has passed (the site's calendar). One
    failure does not stop the rest: it keeps its reason for the next run. The revoked."""
    if configured() is None:
        return 0
    return sum(
        _revoke_or_keep_reason(grant, ended_reason(grant), failed=ENDED_FAILED)
        for grant in BudgetGrant.objects.exclude(state=State.REVOKED)
        .filter(ends_on__lt=timezone.localdate())
        .select_related("offer")
    )


def budget_rotate(*, offer: Offer, by: User | None) -> BudgetGrant:
    """The People team makes the credential stop working now (lost, leaked); the new hire gets a
    new one on their link, shown once."""
    with transaction.atomic():
        grant = BudgetGrant.objects.select_for_update().filter(offer=offer).first()
        if grant is None or grant.state != State.ACTIVE:
            raise OfferError("Only an active budget's credential can be replaced.")
        _gateway().rotate(identity=grant.identity)  # nobody sees this one
        grant.credential_prefix = ""
        grant.credential_handed_at = None
        grant.save(update_fields=["credential_prefix", "credential_handed_at"])
        offer = locked(offer)
        audit(
            offer,
            by=by,
            action=Action.BUDGET_CREDENTIAL_ROTATED,
            from_status=offer.status,
            note="The earlier credential no longer works; the new hire gets a new one on "
            "their link.",
        )
    return grant
