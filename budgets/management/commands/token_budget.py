"""The operator's commands for the company's LLM gateway: status, provision, revoke, sync,
spend."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.gateways import GatewayError, configured, gateway_model
from budgets.models import BudgetGrant
from budgets.services import (
    budget_provision,
    budget_revoke,
    budget_sync,
    credential_handed,
)
from budgets.spend import offer_budget
from offers import lifecycle
from offers.models import Offer, TokenAllocation
from offers.services import OfferError

AUTH = {
    "basic": "HTTP Basic: the identity as user name, the credential as password",
    "bearer": "Authorization: Bearer <credential>",
}


class Command(BaseCommand):
    help = (
        "status: whether the LLM gateway is configured and answers, and for each model that "
        "accepted offers use, the gateway's name for it and whether the gateway serves it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help=self.help)
        status.add_argument("--json", action="store_true", help="one JSON object")
        provision = actions.add_parser(
            "provision", help="provision an accepted offer's budget now, whatever its start date"
        )
        provision.add_argument("offer", type=int)
        provision.add_argument(
            "--print-credential",
            action="store_true",
            help="print the new credential, for an operator who hands it over",
        )
        provision.add_argument("--json", action="store_true")
        revoke = actions.add_parser("revoke", help="take the employee's access away")
        revoke.add_argument("offer", type=int)
        revoke.add_argument("--reason", required=True)
        actions.add_parser("sync", help="read today's and yesterday's spend now")
        spend = actions.add_parser("spend", help="promised and spent per day")
        spend.add_argument("--offer", type=int)
        spend.add_argument("--days", type=int, default=30)
        spend.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {
                "status": self.status,
                "provision": self.provision,
                "revoke": self.revoke,
                "sync": self.sync,
                "spend": self.spend,
            }[options["action"]](options)
        except (OfferError, GatewayError) as error:
            raise CommandError(str(error)) from None

    def provision(self, options: dict[str, Any]) -> None:
        offer = _offer(options["offer"])
        grant, credential = budget_provision(offer=offer, by=None)
        shown = credential if options["print_credential"] else None
        if shown:
            credential_handed(grant)
        gateway = configured()
        body = {
            "offer": offer.pk,
            "gateway": grant.gateway,
            "identity": grant.identity,
            "usd_per_day": str(grant.usd_per_day),
            "window": "per UTC day",
            "base_url": gateway.call_url if gateway else None,
            "models": grant.model_names,
            "not_served": grant.missing_models,
            "auth": AUTH.get(gateway.auth, gateway.auth) if gateway else None,
            "credential": shown,
        }
        if options["json"]:
            self.stdout.write(json.dumps(body, indent=2))
            return
        self.stdout.write(
            f"Offer {offer.pk}: {grant.identity} in {grant.gateway}, ${grant.usd_per_day} a UTC "
            f"day on {', '.join(grant.model_names) or 'no model'}."
        )
        if grant.missing_models:
            self.stdout.write(f"Not served by the gateway: {', '.join(grant.missing_models)}.")
        if shown:
            self.stdout.write(f"Credential (shown this once): {shown}")

    def revoke(self, options: dict[str, Any]) -> None:
        grant = budget_revoke(offer=_offer(options["offer"]), reason=options["reason"], by=None)
        self.stdout.write(f"{grant.identity} revoked: {grant.revoke_reason}")

    def sync(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{budget_sync(everything=True)} day(s) of spend read.")

    def spend(self, options: dict[str, Any]) -> None:
        grants = BudgetGrant.objects.select_related("offer").order_by("offer_id")
        if options["offer"]:
            grants = grants.filter(offer_id=options["offer"])
            if not grants:
                raise CommandError(f"Offer {options['offer']} has no token budget.")
        rows = []
        for grant in grants:
            budget = offer_budget(grant.offer, days=options["days"]) or {"days": []}
            for day in budget["days"]:
                rows.append(
                    {
                        "offer": grant.offer_id,
                        "identity": grant.identity,
                        **day,
                        "window": budget["window"],
                        "promised_at": budget["promised_at"],
                        "spent_at": budget["spent_at"],
                    }
                )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"{row['day']}  offer {row['offer']}  promised ${row['promised_usd']}  "
                f"spent ${row['spent_usd']} at {row['spent_at']}"
                f"{'  CAPPED' if row['capped'] else ''}"
            )

    def status(self, options: dict[str, Any]) -> None:
        report = status()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(text(report))
        if report["gateway"] and not report["reachable"]:
            raise CommandError(f"The gateway does not answer: {report['problem']}")


def _offer(offer_id: int) -> Offer:
    offer = Offer.objects.filter(pk=offer_id).first()
    if offer is None:
        raise OfferError(f"No offer {offer_id}.")
    return offer


def status() -> dict[str, Any]:
    gateway = configured()
    models = sorted(
        set(
            TokenAllocation.objects.filter(offer__status__in=lifecycle.COMMITTED).values_list(
                "model_id", flat=True
            )
        )
    )
    report: dict[str, Any] = {
        "gateway": settings.TOKEN_GATEWAY or None,
        "url": settings.TOKEN_GATEWAY_URL or None,
        "reachable": False,
        "problem": "" if gateway else "TOKEN_GATEWAY is not set: budgets are not provisioned",
        "models": [],
    }
    served: set[str] | None = None
    if gateway is not None:
        try:
            served = gateway.served_models()
            report["reachable"] = True
        except GatewayError as error:
            report["problem"] = str(error)
    report["models"] = [
        {
            "model": model,
            "gateway_name": gateway_model(model),
            "served": None if served is None else gateway_model(model) in served,
        }
        for model in models
    ]
    return report


def text(report: dict[str, Any]) -> str:
    if not report["gateway"]:
        lines = [f"No gateway: {report['problem']}."]
    elif report["reachable"]:
        lines = [f"Gateway: {report['gateway']} at {report['url']}, answering."]
    else:
        lines = [f"Gateway: {report['gateway']} at {report['url']}, NOT answering."]
    if report["models"]:
        lines.append("Models of accepted offers (the app's id → the gateway's name):")
    for row in report["models"]:
        served = {True: "served", False: "NOT served: set it up", None: "not checked"}
        lines.append(f"  {row['model']} → {row['gateway_name']}: {served[row['served']]}")
    return "\n".join(lines)
