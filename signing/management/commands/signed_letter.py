from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from signing.models import Signature


class Command(BaseCommand):
    help = (
        "Write an offer's fully signed letter to a file (an operator's export, e.g. for a legal "
        "hold): signed_letter OFFER_ID --output FILE. Without arguments, list the offers that "
        "have a signed letter."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("offer_id", nargs="?", type=int)
        parser.add_argument("--output", "-o", help="the file to write")

    def handle(
        self, *args: Any, offer_id: int | None = None, output: str | None = None, **options: Any
    ) -> None:
        signed = Signature.objects.exclude(file="").select_related("offer").order_by("offer_id")
        if offer_id is None:
            if output:
                raise CommandError("Name the offer whose signed letter to write.")
            for signature in signed:
                countersigned = (
                    f"countersigned {signature.countersigned_at:%Y-%m-%d} by "
                    f"{signature.countersigner_name}"
                    if signature.countersigned_at
                    else "not countersigned yet"
                )
                self.stdout.write(
                    f"{signature.offer_id}\t{signature.offer.candidate_name}\t"
                    f"signed {signature.signed_at:%Y-%m-%d}, {countersigned}\t"
                    f"sha256 {signature.final_sha256}"
                )
            if not signed:
                self.stdout.write("No offer has a signed letter.")
            return
        found = signed.filter(offer_id=offer_id).first()
        if found is None or not found.final_file:
            raise CommandError(f"Offer {offer_id} has no signed letter.")
        if not output:
            raise CommandError("Give the file to write with --output FILE.")
        signature = found
        field = signature.final_file
        assert field is not None
        with field.open("rb") as handle:
            data = handle.read()
        Path(output).write_bytes(data)
        state = "fully signed" if signature.countersigned_file else "signed by the candidate only"
        self.stdout.write(
            f"Wrote {output}: offer {offer_id}'s letter, {state}, {len(data):,} bytes, "
            f"sha256 {signature.final_sha256}"
        )
