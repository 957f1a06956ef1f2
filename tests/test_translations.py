"""Every string a candidate-facing template marks for translation has its German translation
(issue 37), so that a new string cannot slip through in English: the templates' strings are
found as `makemessages` finds them (Django's `templatize`) and looked up in the compiled German
catalog. The list grows as the candidate's pages are translated."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE_TEMPLATES = [
    "templates/signing/verify.html",
    "templates/candidate/gone.html",
    "templates/candidate/not_found.html",
    "templates/candidate/too_many.html",
]


def marked(path: Path) -> set[str]:
    """The msgids of a template, as makemessages extracts them."""
    source = templatize(path.read_text(), origin=str(path))
    found = set()
    for match in re.finditer(r"gettext\(u?'((?:[^'\\]|\\.)*)'\)", source):
        found.add(match.group(1).replace("\\'", "'"))
    return found


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
