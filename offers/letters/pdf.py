"""The letter as PDF: one function turns an offer's figures into PDF bytes, with WeasyPrint.

WeasyPrint fetches nothing but our own static files (and the `data:` URLs our template writes):
`StaticOnlyFetcher` serves those from the static folders and refuses every other URL, `file:`
and `http(s):` included. The parsed stylesheet and the font configuration are built once per
process and reused by every render.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from offers import signals
from offers.letters import sandbox
from offers.letters.format import LetterFormat
from offers.letters.wording import block_values, chart_context, letter_values
from offers.models import Letter, LetterTemplateVersion, Offer
from offers.token_line import Figures

LETTER_CSS = "css/letter.css"
# Relative URLs in the letter resolve against this made-up origin, which the fetcher maps to
# the static folders; it is never requested over the network.
BASE_URL = "https://letter.invalid/"


logger = logging.getLogger(__name__)


class LetterCannotRender(Exception):
    """The letter cannot be made from this offer as it stands (retrying will not help)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves our static files and `data:` URLs; refuses everything else (and remembers it)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=["data", "https"], allow_redirects=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            self.served.append(url[:40])
            return super().fetch(url, headers)
        path = static_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"The letter may not fetch {url[:200]}")
        self.served.append(url)
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
        )


def static_path(url: str) -> Path | None:
    """The file of one of our static URLs, or None for any other URL."""
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    if not relative or ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if not found or isinstance(found, list):
        return None
    return Path(found)


@cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheet() -> CSS:
    path = static_path(f"{BASE_URL}{settings.STATIC_URL.strip('/')}/{LETTER_CSS}")
    if path is None:
        raise LetterCannotRender(f"The letter's stylesheet {LETTER_CSS} is missing.")
    return CSS(
        string=path.read_text(),
        base_url=BASE_URL,
        font_config=_fonts(),
        url_fetcher=StaticOnlyFetcher(),
    )


def fingerprint(offer: Offer, figures: Figures) -> str:
    """A short hash of who is offered what: printed on the letter, to match it to its version."""
    payload = {
        "offer": offer.pk,
        "version": offer.version,
        "candidate": offer.candidate_name,
        "role": offer.role_title,
        "figures": offer.figures_record(figures),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4)).upper()


def letter_context(
    offer: Offer, *, draft: bool, version: LetterTemplateVersion, figures: Figures
) -> dict[str, Any]:
    """Everything the letter frame shows: the template version's wording with the offer's
    values and the app's blocks, formatted for the version's language."""
    fmt = LetterFormat(version.language, offer.currency)
    values = letter_values(offer, version, fmt, draft=draft, figures=figures)
    answers: list[Any] = [
        answer for _, answer in signals.letter_signing.send(sender=Offer, offer=offer) if answer
    ]
    blocks_context = {
        **chart_context(figures),
        **block_values(offer, fmt, figures),
        "offer": offer,
        "company_name": settings.COMPANY_NAME,
        "signatory_name": version.signatory_name,
        "signatory_title": version.signatory_title,
        "token_terms": version.token_terms,
        # Signed electronically: each stamp gives its date, and the company's line names who
        # signs (the letter's signatory only when that is who signs).
        "signed_electronically": bool(answers),
        "company_signer": answers[0]["company_signer"] if answers else "",
    }

    def block(name: str) -> Callable[[], str]:
        return lambda: render_to_string(f"offers/letter.html#{name}", blocks_context)

    try:
        body = sandbox.render(version.body, values, {name: block(name) for name in sandbox.BLOCKS})
    except sandbox.TemplateProblem as error:
        raise LetterCannotRender(
            f"The letter template {version} cannot be used: {error}"
        ) from error
    return {
        "offer": offer,
        "draft": draft,
        "fingerprint": fingerprint(offer, figures),
        "fmt": fmt,
        "template_version": version,
        "company_name": settings.COMPANY_NAME,
        "logo": settings.COMPANY_LOGO,
        "today": fmt.date(timezone.localdate()),
        "body": mark_safe(body.html),  # noqa: S308  (the sandbox's output: values escaped)
    }


def standard_version() -> LetterTemplateVersion:
    """The default template's newest version: for offers saved before templates existed."""
    version = (
        LetterTemplateVersion.objects.filter(template__is_default=True)
        .order_by("-template__active", "-number")
        .first()
    )
    if version is None:
        raise LetterCannotRender("No letter template is marked as the default.")
    return version


def letter_html(
    offer: Offer,
    *,
    draft: bool,
    version: LetterTemplateVersion | None = None,
    figures: Figures | None = None,
) -> str:
    """The letter as HTML, the app's own words in the template's language (English where the
    app has no translation)."""
    version = version or offer.letter_template_version or standard_version()
    with translation.override(version.language.split("_")[0]):
        return render_to_string(
            "offers/letter.html",
            letter_context(offer, draft=draft, version=version, figures=figures or offer.figures),
        )


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    fingerprint: str
    refused: list[str]


def render_document(html: str, fetcher: StaticOnlyFetcher) -> Document:
    """The letter's HTML laid out in pages, with the shared stylesheet and fonts."""
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[_stylesheet()], font_config=_fonts()
    )


def letter_render_pdf(
    offer: Offer,
    *,
    version: int,
    draft: bool,
    template_version: LetterTemplateVersion | None = None,
    figures: Figures | None = None,
) -> RenderedLetter:
    """Offer version in, PDF bytes out: the task and the tests call this, and nothing else.
    The wording is `template_version`'s (the letter's own), else the offer's; the figures the
    saved offer's, else those given (an unsaved sample's)."""
    figures = figures or offer.figures
    if offer.pk is not None and offer.version != version:
        raise LetterCannotRender(
            f"The offer's figures changed after this letter was asked for (version {version}, "
            f"now {offer.version}): ask for a new letter."
        )
    if figures.valuation is None and figures.allocations:
        raise LetterCannotRender("The token line cannot be valued with the offer's prices.")
    fetcher = StaticOnlyFetcher()
    html = letter_html(offer, draft=draft, version=template_version, figures=figures)
    document = render_document(html, fetcher)
    output = io.BytesIO()
    document.write_pdf(output)
    return RenderedLetter(
        pdf=output.getvalue(),
        pages=len(document.pages),
        fingerprint=fingerprint(offer, figures),
        refused=fetcher.refused,
    )


def letter_file_response(letter: Letter, *, attachment: bool = True) -> FileResponse | None:
    """The stored PDF as a download (or shown in the browser); None if its file is missing."""
    return pdf_file_response(
        letter.file,
        filename=letter.download_name,
        attachment=attachment,
        missing=f"Letter {letter.pk} is ready but its file is missing from storage",
    )


def pdf_file_response(
    field: Any, *, filename: str, missing: str, attachment: bool = True
) -> FileResponse | None:
    """A stored PDF (a letter's, a signed letter's) as a download; None, logging `missing`,
    if the file is not in storage."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        logger.error("%s", missing)
        return None
    return FileResponse(
        handle, as_attachment=attachment, filename=filename, content_type="application/pdf"
    )
