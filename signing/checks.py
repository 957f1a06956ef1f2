"""`manage.py check --deploy`: signing off, or on with a test certificate, in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from signing.certificates import certificate_path, company_signer


@register(Tags.security, deploy=True)
def signing_certificate_check(app_configs: Any = None, **kwargs: Any) -> list[Warning | Error]:
    path = certificate_path()
    if path is None:
        return [
            Warning(
                "No signing certificate: candidates accept by typing their name, and letters "
                "are not signed.",
                hint="Set SIGNING_CERTIFICATE to a PKCS#12 file from a certificate authority.",
                id="signing.W001",
            )
        ]
    if not path.is_file():
        return [
            Error(
                f"SIGNING_CERTIFICATE is {path}, which does not exist.",
                id="signing.E001",
            )
        ]
    try:
        _, company = company_signer()
    except (ValueError, OSError) as error:
        return [Error(f"SIGNING_CERTIFICATE cannot be read: {error}", id="signing.E002")]
    if company.is_test and not settings.DEBUG:
        return [
            Warning(
                "Letters are sealed with a test certificate: every signed letter says so, and "
                "nobody outside can trust it.",
                hint="Set SIGNING_CERTIFICATE to a PKCS#12 file from a certificate authority.",
                id="signing.W002",
            )
        ]
    return []
