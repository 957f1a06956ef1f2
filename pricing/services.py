"""Price refreshes: read a source, validate every row, write a snapshot only when it changed."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
from django.conf import settings
from django.db import transaction

from pricing.models import ModelPrice, PriceSnapshot
from pricing.sources import Parsed, PayloadError, PriceRow, bundled, litellm, openrouter

logger = logging.getLogger(__name__)

SOURCES: dict[str, ModuleType] = {
    PriceSnapshot.Source.LITELLM: litellm,
    PriceSnapshot.Source.OPENROUTER: openrouter,
    PriceSnapshot.Source.BUNDLED: bundled,
}
MAX_PAGES = 50
# A payload that would drop more than this share of the last snapshot's models is refused whole.
MAX_DROP = Decimal("0.30")


class FetchError(Exception):
    pass


@dataclass
class RefreshResult:
    outcome: str  # "created", "unchanged" or "rejected"
    source: str
    location: str
    message: str
    snapshot: PriceSnapshot | None = None
    accepted: int = 0
    skipped: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def report(self) -> str:
        lines = [self.message]
        if self.outcome != "rejected" or self.accepted:
            lines.append(
                f"accepted {self.accepted}, rejected {len(self.rejected)}, "
                f"skipped {self.skipped} (not priced per text token)"
            )
        lines += [f"  rejected {model}: {reason}" for model, reason in self.rejected[:50]]
        if len(self.rejected) > 50:
            lines.append(f"  … and {len(self.rejected) - 50} more")
        return "\n".join(lines)


def fetch(url: str) -> bytes:
    """GET with a timeout, retrying connection errors, timeouts and 5xx with backoff."""
    attempts = settings.PRICES_FETCH_ATTEMPTS
    last_error = ""
    for attempt in range(1, attempts + 1):
        try:
            response = httpx.get(url, timeout=settings.PRICES_FETCH_TIMEOUT, follow_redirects=True)
        except httpx.HTTPError as error:
            last_error = f"{type(error).__name__}: {error}"
        else:
            if response.status_code < 500:
                if response.status_code >= 400:
                    raise FetchError(f"{url} answered HTTP {response.status_code}")
                return response.content
            last_error = f"HTTP {response.status_code}"
        if attempt < attempts:
            time.sleep(settings.PRICES_FETCH_BACKOFF * 2 ** (attempt - 1))
    raise FetchError(f"{url} failed after {attempts} attempts: {last_error}")


def read_payloads(*, source: str, url: str | None, file: Path | None) -> tuple[str, list[bytes]]:
    module = SOURCES[source]
    if file is not None:
        return str(file), [file.read_bytes()]
    if source == PriceSnapshot.Source.BUNDLED and url is None:
        return str(bundled.PATH.relative_to(settings.BASE_DIR)), [bundled.PATH.read_bytes()]
    location = url or settings.PRICES_URLS.get(source) or module.DEFAULT_URL
    pages = [fetch(location)]
    if module is openrouter:
        next_url = openrouter.next_page(pages[-1], location)
        while next_url and len(pages) < MAX_PAGES:
            pages.append(fetch(next_url))
            next_url = openrouter.next_page(pages[-1], next_url)
    return location, pages


def with_known_names(rows: list[PriceRow]) -> list[PriceRow]:
    """Give models the bundled snapshot knows their published names ("Claude Sonnet 4.5")."""
    names = bundled.display_names(bundled.PATH.read_bytes())
    return [
        replace(row, display_name=names[row.model_id]) if row.model_id in names else row
        for row in rows
    ]


def content_hash(parsed: Parsed) -> str:
    canonical = "\n".join(sorted(row.canonical() for row in parsed.rows))
    return hashlib.sha256(canonical.encode()).hexdigest()


def prices_refresh(
    *, source: str, url: str | None = None, file: Path | None = None
) -> RefreshResult:
    if source not in SOURCES:
        raise ValueError(f"unknown price source {source!r}; choose one of {', '.join(SOURCES)}")
    location = str(file or url or source)
    try:
        location, pages = read_payloads(source=source, url=url, file=file)
        parsed = Parsed()
        for page in pages:
            parsed.extend(SOURCES[source].parse(page))
        parsed.rows = with_known_names(parsed.rows)
    except (FetchError, PayloadError, OSError) as error:
        return _rejected(source, location, f"payload rejected: {error}")

    result = RefreshResult(
        outcome="created",
        source=source,
        location=location,
        message="",
        accepted=len(parsed.rows),
        skipped=parsed.skipped,
        rejected=parsed.rejected,
    )
    duplicate_ids = len(parsed.rows) - len({row.model_id for row in parsed.rows})
    previous = PriceSnapshot.objects.filter(source=source).current()
    if not parsed.rows:
        return _rejected(source, location, "payload rejected: no model passed validation", result)
    if duplicate_ids:
        return _rejected(
            source, location, f"payload rejected: {duplicate_ids} duplicate ids", result
        )
    if previous and len(parsed.rows) < previous.models_accepted * (1 - MAX_DROP):
        return _rejected(
            source,
            location,
            f"payload rejected: {len(parsed.rows)} models where the last snapshot had "
            f"{previous.models_accepted} (a drop of more than {MAX_DROP:.0%})",
            result,
        )
    digest = content_hash(parsed)
    if previous and previous.content_hash == digest:
        result.outcome = "unchanged"
        result.snapshot = previous
        result.message = (
            f"{source}: prices unchanged since snapshot #{previous.pk}; nothing written"
        )
        logger.info(result.message)
        return result

    taken_on = bundled.taken_on(pages[0]) if source == PriceSnapshot.Source.BUNDLED else None
    with transaction.atomic():
        snapshot = PriceSnapshot.objects.create(
            source=source,
            location=location,
            taken_on=taken_on,
            content_hash=digest,
            models_accepted=len(parsed.rows),
            models_rejected=len(parsed.rejected),
            models_skipped=parsed.skipped,
            rejections=[{"model": m, "reason": r} for m, r in parsed.rejected[:500]],
        )
        ModelPrice.objects.bulk_create(
            (ModelPrice(snapshot=snapshot, **row.__dict__) for row in parsed.rows),
            batch_size=1000,
        )
    result.snapshot = snapshot
    result.message = f"{source}: new snapshot #{snapshot.pk} from {location}"
    logger.info("%s", result.report())
    return result


def _rejected(
    source: str, location: str, message: str, result: RefreshResult | None = None
) -> RefreshResult:
    result = result or RefreshResult(
        outcome="rejected", source=source, location=location, message=""
    )
    result.outcome = "rejected"
    current = PriceSnapshot.objects.current()
    kept = f"snapshot #{current.pk} stays current" if current else "there is no snapshot yet"
    result.message = f"{source}: {message}; {kept}"
    logger.error("%s", result.report())
    return result


@functools.cache
def flagship_ids() -> list[str]:
    """The short list the model picker shows first (read once: the file ships with the code)."""
    return bundled.flagship_ids(bundled.PATH.read_bytes())
