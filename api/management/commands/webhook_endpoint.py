from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from api.models import EVENT_TYPES, WebhookEndpoint
from api.webhooks import EndpointRefused, endpoint_add, endpoint_rotate


class Command(BaseCommand):
    help = (
        "Webhook endpoints. add URL --events offer.approved,offer.signed (prints the whsec_ "
        "secret once; no --events: every event); list; rotate ID (a new secret, the old one "
        "signs beside it for a day); remove ID."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["add", "list", "rotate", "remove"])
        parser.add_argument("target", nargs="?", help="add: the URL; rotate, remove: the id")
        parser.add_argument(
            "--events", default="", help=f"comma-separated: {', '.join(EVENT_TYPES)}"
        )
        parser.add_argument("--description", default="")

    def _endpoint(self, target: str | None) -> WebhookEndpoint:
        endpoint = None
        if target and target.isdigit():
            endpoint = WebhookEndpoint.objects.filter(pk=int(target)).first()
        if endpoint is None:
            raise CommandError("Give an endpoint's id (webhook_endpoint list shows them).")
        return endpoint

    def handle(self, *args: Any, action: str, target: str | None = None, **options: Any) -> None:
        if action == "add":
            events = [e.strip() for e in options["events"].split(",") if e.strip()]
            try:
                endpoint = endpoint_add(
                    url=target or "", events=events, description=options["description"]
                )
            except EndpointRefused as error:
                raise CommandError(str(error)) from None
            self.stdout.write(endpoint.secret)
            self.stderr.write(
                f"Endpoint {endpoint.pk}: {endpoint.url}, "
                f"{', '.join(endpoint.events) or 'every event'}. The secret is shown this once."
            )
        elif action == "list":
            for endpoint in WebhookEndpoint.objects.order_by("pk"):
                state = "active" if endpoint.active else f"disabled: {endpoint.disabled_reason}"
                self.stdout.write(
                    f"{endpoint.pk}\t{endpoint.url}\t{','.join(endpoint.events) or 'all'}\t{state}"
                )
        elif action == "rotate":
            secret = endpoint_rotate(self._endpoint(target))
            self.stdout.write(secret)
            self.stderr.write("New secret; the old one signs beside it for 24 hours.")
        else:
            endpoint = self._endpoint(target)
            endpoint.delete()
            self.stdout.write(f"Removed endpoint {target}.")
