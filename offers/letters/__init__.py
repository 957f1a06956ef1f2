"""The offer letter, by room; callers import from `offers.letters`.

- `sandbox`: the People team's template language (Jinja2's immutable sandbox), its
  placeholders and blocks, the languages a letter may be written in.
- `wording`: the offer's values and the app's blocks (pay table, chart totals, vesting, the
  token budget's sentences) in the letter's language.
- `format`: `LetterFormat`, dates, numbers and money as a language writes them (Babel), and
  `format_money`, the one money formatter the pages, the admin and emails use too.
- `pdf`: the frame, WeasyPrint with a fetcher that serves only our static files, the
  fingerprint, and the PDF responses.

The letter's jobs (outbox, worker task, sweep) are `offers.services.letters`; which template
an offer uses and its previews, `offers.services.templates`.
"""

from __future__ import annotations

from offers.letters.format import LetterFormat, format_money, html_lang
from offers.letters.pdf import (
    BASE_URL,
    LetterCannotRender,
    RenderedLetter,
    StaticOnlyFetcher,
    fingerprint,
    letter_file_response,
    letter_html,
    letter_render_pdf,
    pdf_file_response,
    render_document,
    standard_version,
    static_path,
)
from offers.letters.wording import block_values, letter_values, note_text

__all__ = [
    "BASE_URL",
    "LetterCannotRender",
    "LetterFormat",
    "RenderedLetter",
    "StaticOnlyFetcher",
    "block_values",
    "fingerprint",
    "format_money",
    "html_lang",
    "letter_file_response",
    "letter_html",
    "letter_render_pdf",
    "letter_values",
    "note_text",
    "pdf_file_response",
    "render_document",
    "standard_version",
    "static_path",
]
