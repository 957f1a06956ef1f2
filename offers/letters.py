"""The offer letter: one function turns an offer's figures into PDF bytes, with WeasyPrint.

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
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from offers.figures import equity_vesting, figures_context
from offers.models import Letter, Offer

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


def fingerprint(offer: Offer) -> str:
    """A short hash of who is offered what: printed on the letter, to match it to its version."""
    payload = {
        "offer": offer.pk,
        "version": offer.version,
        "candidate": offer.candidate_name,
        "role": offer.role_title,
        "figures": offer.figures_record(),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4)).upper()


def letter_context(offer: Offer, *, draft: bool) -> dict[str, Any]:
    return {
        **figures_context(offer),
        "offer": offer,
        "draft": draft,
        "fingerprint": fingerprint(offer),
        "vesting": equity_vesting(offer),
        "company_name": settings.COMPANY_NAME,
        "logo": settings.COMPANY_LOGO,
        "signatory": settings.LETTER_SIGNATORY,
        "signatory_name": settings.LETTER_SIGNATORY_NAME,
        "token_terms": settings.LETTER_TOKEN_TERMS,
        "today": timezone.localdate(),
    }


def letter_html(offer: Offer, *, draft: bool) -> str:
    return render_to_string("offers/letter.html", letter_context(offer, draft=draft))


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


def letter_render_pdf(offer: Offer, *, version: int, draft: bool) -> RenderedLetter:
    """Offer version in, PDF bytes out: the task and the tests call this, and nothing else."""
    if offer.version != version:
        raise LetterCannotRender(
            f"The offer's figures changed after this letter was asked for (version {version}, "
            f"now {offer.version}): ask for a new letter."
        )
    if offer.token_valuation is None and offer.allocation_list():
        raise LetterCannotRender("The token line cannot be valued with the offer's prices.")
    fetcher = StaticOnlyFetcher()
    document = render_document(letter_html(offer, draft=draft), fetcher)
    output = io.BytesIO()
    document.write_pdf(output)
    return RenderedLetter(
        pdf=output.getvalue(),
        pages=len(document.pages),
        fingerprint=fingerprint(offer),
        refused=fetcher.refused,
    )


def letter_file_response(letter: Letter, *, attachment: bool = True) -> FileResponse | None:
    """The stored PDF as a download (or shown in the browser); None if its file is missing."""
    try:
        handle = letter.file.open("rb")
    except (FileNotFoundError, ValueError):
        logger.error("Letter %s is ready but its file is missing from storage", letter.pk)
        return None
    return FileResponse(
        handle,
        as_attachment=attachment,
        filename=letter.download_name,
        content_type="application/pdf",
    )
