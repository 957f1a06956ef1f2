"""Checking a PDF's signatures (`/verify/`, the tests): each signature's report, and whether the
file was changed after it was signed, with pyHanko."""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

logger = logging.getLogger(__name__)


# Checking a PDF --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str  # the certificate's subject
    name: str  # the name the signature gives
    reason: str
    signed_at: datetime.datetime | None
    timestamp: datetime.datetime | None
    intact: bool  # the bytes it covers are unchanged
    valid: bool  # the seal is cryptographically sound
    trusted: bool  # its certificate chains to ours
    covers_whole_file: bool
    modification: str  # what later revisions did: "none", "form filling", "other"
    test_certificate: bool
    # The certification's permissions (DocMDP) held for what came after: None when it certifies
    # nothing (an approval signature), False when a later revision did more than they allow.
    docmdp_ok: bool | None = None

    @property
    def unchanged(self) -> bool:
        """Intact, valid, and nothing after it but what later signatures and the form filling
        the certification allows added: a white box drawn over a figure is a change."""
        later = self.covers_whole_file or self.modification in ALLOWED_LATER
        return self.intact and self.valid and later and self.docmdp_ok is not False


# What a revision after a signature may do and leave it unchanged: pyHanko's modification
# levels, as `inspect` names them.
ALLOWED_LATER = frozenset({"none", "lta updates", "form filling"})


class NotAPdf(Exception):
    pass


def inspect(data: bytes, *, trust_roots: list[Any]) -> list[SignatureReport]:
    """Every signature in a PDF and what pyHanko's validation says of it (nothing fetched)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as error:
        raise NotAPdf(str(error)) from error
    reports = []
    for signature in embedded:
        context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
        try:
            status = validate_pdf_signature(signature, context)
        except Exception:  # a damaged signature: reported as not intact
            logger.info("A signature could not be validated", exc_info=True)
            reports.append(_broken(signature))
            continue
        timestamp = status.timestamp_validity
        level = status.modification_level
        subject = _who(status.signing_cert)
        reports.append(
            SignatureReport(
                field=signature.field_name,
                signer=subject,
                name=str(signature.sig_object.get("/Name", "")),
                reason=str(signature.sig_object.get("/Reason", "")),
                signed_at=status.signer_reported_dt,
                timestamp=timestamp.timestamp if timestamp else None,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                covers_whole_file=bool(status.coverage and status.coverage.name == "ENTIRE_FILE"),
                modification=level.name.replace("_", " ").lower() if level else "unknown",
                test_certificate=bool(
                    status.signing_cert
                    and "TEST CERTIFICATE" in status.signing_cert.subject.human_friendly
                ),
                docmdp_ok=status.docmdp_ok,
            )
        )
    return reports


def _who(certificate: Any) -> str:
    """A certificate's holder as a person reads it: its common name, and its organisation."""
    if certificate is None:
        return ""
    name = certificate.subject.native
    parts = [name.get("common_name"), name.get("organization_name")]
    return ", ".join(str(part) for part in parts if part) or certificate.subject.human_friendly


def _broken(signature: Any) -> SignatureReport:
    return SignatureReport(
        field=str(signature.field_name),
        signer="",
        name=str(signature.sig_object.get("/Name", "")),
        reason="",
        signed_at=None,
        timestamp=None,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        modification="unknown",
        test_certificate=False,
    )
