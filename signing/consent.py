"""The consent to electronic records and signatures a candidate gives before signing.

Versioned: a change to the words is a new version, and each signature stores the version it
was given with the SHA-256 of its exact words. Written for the US ESIGN Act (15 U.S.C. 7001(c):
the right to paper, to withdraw, the hardware and software needed) and read as plain terms
elsewhere.
"""

from __future__ import annotations

import hashlib

VERSION = "2026-12-04"

TEXT = """\
Before you sign, please read this.

What you sign: the offer letter shown on this page, exactly as it is (its SHA-256 fingerprint \
is shown beside it). Signing it electronically means you accept the offer, with the same \
effect as signing it on paper.

Records: we give you the letter, and the record of your signature, as a PDF file that you can \
download from this page and that we email to you once it is countersigned. To open it you need \
a PDF reader (any current web browser has one) and a place to save files.

Paper: you may ask {company} for a paper copy of the letter at any time, at no cost, or choose \
to sign on paper instead: write to {contact}.

Withdrawing: you may withdraw this consent at any time before you sign, by leaving this page \
or writing to {contact}; nothing is signed until you press the button to sign. After you sign, \
withdrawing consent does not undo the signature.

Verifying: we email a one-time code to {email}; entering it shows the signature is yours."""


def text(*, company: str, contact: str, email: str) -> str:
    return TEXT.format(company=company, contact=contact, email=email)


def sha256(words: str) -> str:
    return hashlib.sha256(words.encode()).hexdigest()
