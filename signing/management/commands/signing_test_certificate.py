from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from signing.certificates import write_test_certificate


class Command(BaseCommand):
    help = (
        "Make a test signing authority and a document-signing certificate under var/signing/ "
        "(once: an existing one is kept). For development and demos only: everything sealed "
        "with it says 'test certificate'."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="make a new one")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        path = settings.SIGNING_TEST_CERTIFICATE
        if path.exists() and not force:
            self.stdout.write(f"Test signing certificate: {path} (kept)")
            return
        write_test_certificate(path, settings.COMPANY_NAME)
        self.stdout.write(f"Made a test signing certificate: {path}")
