"""The consent to electronic records and signatures a candidate gives before signing.

Versioned, one version per language: a change to the words is a new version, and each
signature stores the version it was shown (the language of the candidate's page when they
agreed) with the SHA-256 of its exact words. Adding a language means adding its words here.
Written for the US ESIGN Act (15 U.S.C. 7001(c): the right to paper, to withdraw, the hardware
and software needed) and read as plain terms elsewhere.
"""

from __future__ import annotations

import hashlib

from django.utils import translation

VERSION = "2026-12-04"  # the English words'

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


# The German words, a translation of the English for a candidate whose letter is in German.
TEXT_DE = """\
Bitte lesen Sie dies, bevor Sie unterschreiben.

Was Sie unterschreiben: das auf dieser Seite gezeigte Angebotsschreiben, genau so, wie es ist \
(sein SHA-256-Fingerabdruck steht daneben). Wenn Sie es elektronisch unterschreiben, nehmen \
Sie das Angebot an, mit derselben Wirkung wie mit einer Unterschrift auf Papier.

Unterlagen: Sie erhalten das Schreiben und den Nachweis Ihrer Unterschrift als PDF-Datei, die \
Sie auf dieser Seite herunterladen können und die wir Ihnen per E-Mail senden, sobald sie \
gegengezeichnet ist. Zum Öffnen brauchen Sie ein Programm für PDF-Dateien (jeder aktuelle \
Webbrowser hat eines) und einen Ort, an dem Sie Dateien speichern können.

Papier: Sie können {company} jederzeit kostenlos um eine Kopie des Schreibens auf Papier \
bitten oder stattdessen auf Papier unterschreiben: Schreiben Sie an {contact}.

Widerruf: Sie können diese Einwilligung jederzeit vor Ihrer Unterschrift widerrufen, indem Sie \
diese Seite verlassen oder an {contact} schreiben; nichts ist unterschrieben, bevor Sie die \
Schaltfläche zum Unterschreiben drücken. Nach Ihrer Unterschrift hebt ein Widerruf der \
Einwilligung die Unterschrift nicht auf.

Bestätigung: Wir senden einen Einmalcode an {email}; mit seiner Eingabe zeigen Sie, dass die \
Unterschrift von Ihnen stammt."""

# language → (version, words); a new version of any words is a new version string.
CONSENTS = {
    "en": (VERSION, TEXT),
    "de": ("2026-12-07-de", TEXT_DE),
}


def language() -> str:
    """The consent's language: the active one where we have its words, else English."""
    code = (translation.get_language() or "en").split("-")[0]
    return code if code in CONSENTS else "en"


def version() -> str:
    """The version of the words shown in the active language."""
    return CONSENTS[language()][0]


def text(*, company: str, contact: str, email: str) -> str:
    """The words in the active language."""
    return CONSENTS[language()][1].format(company=company, contact=contact, email=email)


def sha256(words: str) -> str:
    return hashlib.sha256(words.encode()).hexdigest()
