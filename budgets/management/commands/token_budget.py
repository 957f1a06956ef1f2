"""The operator's view of the company's LLM gateway: `token_budget status [--json]`."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.gateways import GatewayError, configured, gateway_model
from offers import lifecycle
from offers.models import TokenAllocation


class Command(BaseCommand):
    help = (
        "status: whether the LLM gateway is configured and answers, and for each model that "
        "accepted offers use, the gateway's name for it and whether the gateway serves it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help=self.help)
        status.add_argument("--json", action="store_true", help="one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        report = status()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(text(report))
        if report["gateway"] and not report["reachable"]:
            raise CommandError(f"The gateway does not answer: {report['problem']}")


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
