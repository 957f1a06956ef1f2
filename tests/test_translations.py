"""Every string a candidate sees has its German translation (issue 37), so that a new string
cannot slip through in English: the candidate's templates' strings are found as `makemessages`
finds them (Django's `templatize`), the candidate-facing modules' as xgettext finds them (calls
of `_`, `gettext`, `ngettext`, `gettext_noop`, `gettext_lazy` with literal text), and each is
looked up in the compiled German catalog."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE_TEMPLATES = [
    "templates/signing/verify.html",
    "templates/candidate/base.html",
    "templates/candidate/offer.html",
    "templates/candidate/confirm.html",
    "templates/candidate/gone.html",
    "templates/candidate/not_found.html",
    "templates/candidate/too_many.html",
    "templates/candidate/_change_form.html",
    "templates/candidate/_change_request.html",
    "templates/candidate/_change_preview.html",
    "templates/offers/email/change_kept.txt",
    "templates/offers/_pay.html",
    "templates/offers/_chart.html",
    "templates/offers/letter.html",
    "templates/budgets/_new_hire.html",
    "templates/signing/_candidate_steps.html",
    "templates/signing/_candidate_signed.html",
    "templates/signing/certificate.html",
    "templates/signing/certificate_cover.html",
    "templates/offers/email/candidate_link.txt",
    "templates/signing/email/code.txt",
    "templates/signing/email/signed.txt",
]
# Modules whose every marked string reaches a candidate: the letter's and page's words, the
# refusals of their steps, the signing stamps, the certificate and its event sentences.
CANDIDATE_MODULES = [
    "offers/actions.py",
    "offers/models/events.py",
    "offers/notifications.py",
    "offers/forms.py",
    "offers/candidate_changes.py",
    "offers/models/changes.py",
    "offers/services/links.py",
    "offers/letters/wording.py",
    "offers/letters/format.py",
    "signing/pdf.py",
    "signing/receivers.py",
    "signing/views.py",
    "signing/services/candidate.py",
    "signing/services/certificate.py",
    "signing/services/jobs.py",
    "budgets/services.py",
    "budgets/views.py",
]
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext"}


def marked(path: Path) -> set[str]:
    """The msgids of a template, as makemessages extracts them."""
    source = templatize(path.read_text(), origin=str(path))
    found = set()
    for match in re.finditer(r"gettext\(u?'((?:[^'\\]|\\.)*)'\)", source):
        found.add(match.group(1).replace("\\'", "'"))
    return found


def marked_in_module(path: Path) -> set[str]:
    """The msgids of a module: the literal first argument of every gettext call."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        if name in GETTEXT and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def test_every_marked_candidate_string_in_code_has_its_german_translation() -> None:
    catalog = translation.trans_real.translation("de")._catalog  # type: ignore[attr-defined]
    plurals = {key[0] for key in catalog.keys() if isinstance(key, tuple)}  # noqa: SIM118
    missing = {}
    for name in CANDIDATE_MODULES:
        strings = marked_in_module(ROOT / name)
        assert strings, f"{name} marks no string for translation"
        untranslated = sorted(s for s in strings if not catalog.get(s) and s not in plurals)
        if untranslated:
            missing[name] = untranslated
    assert missing == {}, "run makemessages -l de, translate, compilemessages (README, Languages)"


def test_every_marked_candidate_string_has_its_german_translation() -> None:
    catalog = translation.trans_real.translation("de")._catalog  # type: ignore[attr-defined]
    missing = {}
    for name in CANDIDATE_TEMPLATES:
        strings = marked(ROOT / name)
        assert strings, f"{name} marks no string for translation"
        untranslated = sorted(s for s in strings if not catalog.get(s))
        if untranslated:
            missing[name] = untranslated
    assert missing == {}, "run makemessages -l de, translate, compilemessages (README, Languages)"
