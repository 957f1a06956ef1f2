"""Price refreshes, which prices are in force, and the cross-check between sources.

- A refresh reads a source, validates every row and writes a snapshot only when something
  changed; every attempt is recorded (`PriceRefresh`).
- `prices_in_force` says which snapshot defines the current prices and why: the primary
  source's (`PRICES_SOURCE`), unless its prices are stale or its refreshes keep failing and a
  fallback's are fresh.
- `prices_cross_check` compares featured models and models of open offers across the newest
  import of every source, per price class; a difference over 5% is a `PriceDisagreement`, which
  only a person settles (`price_settle`), never a vote.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from pricing import catalogue
from pricing.models import ModelPrice, PriceDisagreement, PriceRefresh, PriceSnapshot
from pricing.sources import Parsed, PayloadError, genai_prices, litellm, openrouter

logger = logging.getLogger(__name__)

SOURCES: dict[str, ModuleType] = {
    PriceSnapshot.Source.GENAI_PRICES: genai_prices,
    PriceSnapshot.Source.LITELLM: litellm,
    PriceSnapshot.Source.OPENROUTER: openrouter,
}
LABELS = dict(PriceSnapshot.Source.choices)
MAX_PAGES = 50
# A payload that would drop more than this share of the last snapshot's models is refused whole.
MAX_DROP = Decimal("0.30")
# Price classes compared across sources: ModelPrice field per valuation class.
COMPARED = {
    "fresh_input": "input_per_million",
    "output": "output_per_million",
    "cache_read": "cached_input_per_million",
    "cache_write": "cache_write_per_million",
}


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


def read_prices(
    *, source: str, url: str | None, file: Path | None, as_of: datetime.date | None
) -> tuple[str, Parsed]:
    """Where the prices were read from, and their rows, dated by the data where it can be."""
    module = SOURCES[source]
    if source == PriceSnapshot.Source.GENAI_PRICES and url is None and file is None:
        parsed = genai_prices.parse_package()
        return f"genai-prices {genai_prices.package_version()} (installed package)", parsed
    if file is not None:
        location, pages = str(file), [file.read_bytes()]
    else:
        location = url or settings.PRICES_URLS.get(source) or module.DEFAULT_URL
        pages = [fetch(location)]
        if module is openrouter:
            next_url = openrouter.next_page(pages[-1], location)
            while next_url and len(pages) < MAX_PAGES:
                pages.append(fetch(next_url))
                next_url = openrouter.next_page(pages[-1], next_url)
    parsed = Parsed()
    for page in pages:
        if module is genai_prices:
            parsed.extend(genai_prices.parse(page, as_of=as_of or timezone.localdate()))
        else:
            parsed.extend(module.parse(page))
    if as_of is not None:
        parsed.as_of = as_of
    elif parsed.as_of is None:
        if file is not None:
            raise PayloadError(
                f"{file} does not say when its prices were published: give --as-of YYYY-MM-DD"
            )
        parsed.as_of = timezone.localdate()  # fetched now, and nothing says otherwise
    return location, parsed


def with_known_names(parsed: Parsed) -> None:
    """Give rows of sources that name models by id the published names genai-prices knows."""
    names: dict[str, str] = {}
    try:
        for provider in genai_prices.package_providers():
            for model in provider.models:
                if model.name:
                    names.setdefault(catalogue.canonical_id(model.id), model.name)
    except ImportError:  # pragma: no cover - genai-prices is a dependency
        return
    from dataclasses import replace

    parsed.rows = [
        replace(row, display_name=names[row.canonical_id])
        if row.canonical_id in names and row.display_name == row.model_id.rsplit("/", 1)[-1]
        else row
        for row in parsed.rows
    ]


def content_hash(parsed: Parsed) -> str:
    canonical = "\n".join(sorted(row.canonical() for row in parsed.rows))
    canonical += f"\nas of {parsed.as_of}"
    return hashlib.sha256(canonical.encode()).hexdigest()


def newest_import(source: str) -> PriceSnapshot | None:
    """The newest snapshot read from a source (not one repeating it with settled prices)."""
    return PriceSnapshot.objects.filter(source=source, settled_from__isnull=True).newest()


def prices_refresh(
    *,
    source: str,
    url: str | None = None,
    file: Path | None = None,
    as_of: datetime.date | None = None,
) -> RefreshResult:
    if source not in SOURCES:
        raise ValueError(f"unknown price source {source!r}; choose one of {', '.join(SOURCES)}")
    result = _refresh(source=source, url=url, file=file, as_of=as_of)
    PriceRefresh.objects.create(
        source=source, outcome=result.outcome, message=result.message, snapshot=result.snapshot
    )
    if result.outcome == "created":
        prices_cross_check()
    return result


def _refresh(
    *, source: str, url: str | None, file: Path | None, as_of: datetime.date | None
) -> RefreshResult:
    location = str(file or url or source)
    try:
        location, parsed = read_prices(source=source, url=url, file=file, as_of=as_of)
        with_known_names(parsed)
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
    previous = newest_import(source)
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
            f"{LABELS[source]}: prices unchanged since snapshot #{previous.pk}; nothing written"
        )
        logger.info(result.message)
        return result

    with transaction.atomic():
        snapshot = PriceSnapshot.objects.create(
            source=source,
            location=location,
            taken_on=parsed.as_of,
            content_hash=digest,
            models_accepted=len(parsed.rows),
            models_rejected=len(parsed.rejected),
            models_skipped=parsed.skipped,
            rejections=[{"model": m, "reason": r} for m, r in parsed.rejected[:500]],
        )
        ModelPrice.objects.bulk_create(
            (ModelPrice(snapshot=snapshot, **row.__dict__) for row in parsed.rows),
            batch_size=500,
        )
    result.snapshot = snapshot
    result.message = (
        f"{LABELS[source]}: new snapshot #{snapshot.pk} from {location}, "
        f"prices as of {snapshot.prices_as_of:%Y-%m-%d}"
    )
    logger.info("%s", result.report())
    return result


def _rejected(
    source: str, location: str, message: str, result: RefreshResult | None = None
) -> RefreshResult:
    result = result or RefreshResult(
        outcome="rejected", source=source, location=location, message=""
    )
    result.outcome = "rejected"
    current = prices_in_force().snapshot
    kept = f"snapshot #{current.pk} stays in force" if current else "there is no snapshot yet"
    result.message = f"{LABELS[source]}: {message}; {kept}"
    logger.error("%s", result.report())
    return result


# Which prices are in force ---------------------------------------------------------------------


@dataclass(frozen=True)
class InForce:
    snapshot: PriceSnapshot | None
    source: str  # the source in force
    primary: str
    reason: str  # a sentence for people: which source and why
    fallback: bool = False

    @property
    def stale(self) -> bool:
        return self.snapshot is not None and self.snapshot.is_stale


def _newest(source: str) -> PriceSnapshot | None:
    """A source's newest prices: its newest import, or a repeat of it with settled prices."""
    return PriceSnapshot.objects.filter(source=source).newest()


def _failing(source: str) -> bool:
    limit = settings.PRICES_FALLBACK_AFTER_FAILURES
    outcomes = list(
        PriceRefresh.objects.filter(source=source).values_list("outcome", flat=True)[:limit]
    )
    return len(outcomes) == limit and all(outcome == "rejected" for outcome in outcomes)


def prices_in_force() -> InForce:
    primary = settings.PRICES_SOURCE
    label = LABELS[primary]
    snapshot = _newest(primary)
    problem = ""
    if snapshot is None:
        problem = "has no prices yet"
    elif snapshot.is_stale:
        problem = (
            f"has prices as of {snapshot.prices_as_of:%-d %b %Y} only, older than "
            f"{settings.PRICES_STALE_AFTER_HOURS} hours"
        )
    elif _failing(primary):
        problem = f"failed its last {settings.PRICES_FALLBACK_AFTER_FAILURES} refreshes"
    if not problem:
        return InForce(snapshot, primary, primary, f"{label} is the primary source.")
    for fallback in settings.PRICES_FALLBACKS:
        candidate = _newest(fallback)
        if candidate is not None and not candidate.is_stale:
            return InForce(
                candidate,
                fallback,
                primary,
                f"{LABELS[fallback]} is in force as a fallback: {label}, the primary source, "
                f"{problem}.",
                fallback=True,
            )
    if snapshot is not None:
        return InForce(
            snapshot,
            primary,
            primary,
            f"{label} is the primary source; it {problem}, and no fallback source has fresher "
            "prices.",
        )
    anything = PriceSnapshot.objects.exclude(source=PriceSnapshot.Source.BUNDLED).newest()
    if anything is not None:
        return InForce(
            anything,
            anything.source,
            primary,
            f"{LABELS[anything.source]} is in force as a fallback: {label}, the primary "
            f"source, {problem}.",
            fallback=True,
        )
    return InForce(None, primary, primary, "No prices yet: run manage.py refresh_prices.")


# Cross-check between sources ------------------------------------------------------------------


def equivalent(snapshot: PriceSnapshot, price: ModelPrice) -> ModelPrice | None:
    """The same model in another snapshot: the same id, else the maker's own row of it."""
    found = snapshot.prices.filter(model_id=price.model_id).first()
    if found or not price.first_party:
        return found
    return maker_row(snapshot, price.canonical_id or catalogue.canonical_id(price.model_id))


def makers_rows(rows: Iterable[ModelPrice]) -> dict[str, ModelPrice]:
    """The maker's own row of each model (by canonical id) among first-party rows: the undated
    id ("claude-sonnet-4-5") before dated or router ones, then the shortest."""
    found: dict[str, ModelPrice] = {}
    for row in sorted(
        rows, key=lambda r: (r.model_id.lower() != r.canonical_id, len(r.model_id), r.model_id)
    ):
        found.setdefault(row.canonical_id, row)
    return found


def maker_row(snapshot: PriceSnapshot, canonical: str) -> ModelPrice | None:
    return makers_rows(snapshot.prices.filter(canonical_id=canonical, first_party=True)).get(
        canonical
    )


# What pricing needs to know of the offers, passed in by the offers app (`offers/apps.py`): the
# model ids its open offers use. Pricing imports nothing of the offers app.
_models_in_use: Callable[[], Iterable[str]] = tuple


def register_models_in_use(source: Callable[[], Iterable[str]]) -> None:
    global _models_in_use
    _models_in_use = source


def checked_models() -> set[str]:
    """Canonical ids of the featured models and of every model an open offer uses."""
    used = _models_in_use()
    return set(catalogue.FEATURED) | {catalogue.canonical_id(model_id) for model_id in used}


def _signature(values: list[dict[str, object]]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


# Sources whose data dates each price change, so their prices can be resolved on a later day.
DATED_SOURCES = {PriceSnapshot.Source.GENAI_PRICES}


def cross_check_snapshots() -> tuple[datetime.date | None, list[PriceSnapshot]]:
    """The day the sources are compared on, and the newest import of each source whose prices
    are known on that day: its own date, or an earlier one of a source that dates its changes
    (resolved to the day). The newest day with at least two such sources; a source whose
    prices are of another day is left out rather than compared across time."""
    newest = PriceSnapshot.objects.filter(source__in=SOURCES, settled_from__isnull=True)
    snapshots = sorted(newest.newest_of_each_source(), key=lambda s: list(SOURCES).index(s.source))
    days = sorted({s.prices_as_of.date() for s in snapshots}, reverse=True)
    for day in days:
        known = [
            s
            for s in snapshots
            if s.prices_as_of.date() == day
            or (s.source in DATED_SOURCES and s.prices_as_of.date() <= day)
        ]
        if len(known) >= 2:
            return day, known
    return (days[0] if days else None), []


def cross_check_snapshot_ids() -> list[int]:
    """The ids of `cross_check_snapshots()`, kept in the cache under a key that names every
    snapshot there is (the newest id, when it was read, and the count: snapshots are only ever
    added), so it is never out of date. Why a cache: the builder's panel says which models no
    second source prices on every keystroke, and finding the day took three queries (issue 39:
    the live totals)."""
    known = PriceSnapshot.objects.aggregate(
        newest=Max("pk"), read=Max("fetched_at"), count=Count("pk")
    )
    read = known["read"].isoformat() if known["read"] else ""
    key = f"pricing:cross-check:{known['newest']}:{known['count']}:{read}"
    ids = cache.get(key)
    if ids is None:
        ids = [snapshot.pk for snapshot in cross_check_snapshots()[1]]
        cache.set(key, ids, timeout=24 * 3600)
    return list(ids)


def single_source_models(canonical_ids: set[str]) -> set[str]:
    """Of these models, those no second source prices on the cross-check's day."""
    snapshots = cross_check_snapshot_ids()
    if len(snapshots) < 2:
        return set(canonical_ids)
    priced = (
        ModelPrice.objects.filter(
            snapshot__in=snapshots, canonical_id__in=canonical_ids, first_party=True
        )
        .values("canonical_id")
        .annotate(sources=Count("snapshot", distinct=True))
        .filter(sources__gte=2)
    )
    return set(canonical_ids) - {row["canonical_id"] for row in priced}


def prices_cross_check() -> list[PriceDisagreement]:
    """Compare every checked model across the sources' prices on one day, per price class."""
    day, snapshots = cross_check_snapshots()
    found: list[PriceDisagreement] = []
    now = timezone.now()
    if day is None or len(snapshots) < 2:
        PriceDisagreement.objects.filter(active=True).update(active=False)
        return found
    canonical_ids = checked_models()
    rows: dict[int, dict[str, ModelPrice]] = {}
    for snapshot in snapshots:
        rows[snapshot.pk] = makers_rows(
            snapshot.prices.filter(canonical_id__in=canonical_ids, first_party=True)
        )
    seen = []
    for canonical in sorted(canonical_ids):
        for price_class in COMPARED:
            values: list[dict[str, object]] = []
            numbers: list[Decimal] = []
            for snapshot in snapshots:
                price = rows[snapshot.pk].get(canonical)
                if price is None:
                    continue
                standard, _, _ = price.in_force(day)
                value = getattr(standard, price_class)
                if value is None:
                    continue
                numbers.append(value)
                values.append(
                    {
                        "source": snapshot.source,
                        "model_id": price.model_id,
                        "name": price.display_name,
                        "value": format(value.normalize(), "f"),
                        "as_of": f"{snapshot.prices_as_of:%Y-%m-%d}",
                        "in_force_on": day.isoformat(),
                        "snapshot": snapshot.pk,
                    }
                )
            if len(numbers) < 2 or min(numbers) <= 0:
                continue
            spread = max(numbers) / min(numbers) - 1
            if spread <= settings.PRICES_DISAGREEMENT:
                continue
            signature = _signature(values)
            disagreement, created = PriceDisagreement.objects.get_or_create(
                canonical_id=canonical,
                price_class=price_class,
                signature=signature,
                defaults={
                    "display_name": str(values[0]["name"]),
                    "values": values,
                    "spread": spread.quantize(Decimal("0.0001")),
                },
            )
            if not created:
                disagreement.active = True
                disagreement.last_seen = now
                disagreement.save(update_fields=["active", "last_seen"])
            seen.append(disagreement.pk)
            found.append(disagreement)
    PriceDisagreement.objects.filter(active=True).exclude(pk__in=seen).update(active=False)
    if found:
        logger.warning(
            "Price cross-check: %s disagreement(s) over %s%% between sources",
            len(found),
            settings.PRICES_DISAGREEMENT * 100,
        )
    return found


def disagreements_for(canonical_ids: set[str]) -> list[PriceDisagreement]:
    """Unsettled disagreements of these models, found by the latest cross-check."""
    if not canonical_ids:
        return []
    return list(
        PriceDisagreement.objects.filter(
            active=True, settled_at__isnull=True, canonical_id__in=canonical_ids
        )
    )


class SettleError(Exception):
    pass


def price_settle(
    *, disagreement: PriceDisagreement, value: Decimal, note: str, reference: str, by: User
) -> PriceDisagreement:
    """A person confirms one price; the prices in force carry it until a source changes.

    The snapshot in force is repeated with the confirmed value (snapshots never change), so
    offers valued before keep their prices and new valuations use the settled one.
    """
    if not by.has_perm("pricing.settle_prices"):
        raise SettleError("You do not have permission to settle price disagreements.")
    note, reference = note.strip(), reference.strip()
    if not note or not reference:
        raise SettleError("Give a note and a reference (the maker's price page) for the value.")
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise SettleError("The confirmed price must be a number of zero or more.")
    attribute = COMPARED[disagreement.price_class]
    with transaction.atomic():
        locked = PriceDisagreement.objects.select_for_update().get(pk=disagreement.pk)
        if locked.is_settled:
            raise SettleError("Someone settled this disagreement already.")
        base = prices_in_force().snapshot
        if base is None:
            raise SettleError("There are no prices in force to settle.")
        settled = PriceSnapshot.objects.create(
            source=base.source,
            location=base.location,
            taken_on=base.taken_on,
            content_hash=base.content_hash,
            models_accepted=base.models_accepted,
            models_rejected=base.models_rejected,
            models_skipped=base.models_skipped,
            settled_from=base.settled_from or base,
            settlement_note=(
                f"{locked.display_name} {locked.class_label} confirmed at "
                f"${value.normalize():f} per 1M tokens by {by.get_username()}: {note} "
                f"({reference})" + (f"\n{base.settlement_note}" if base.settlement_note else "")
            ),
        )
        copies = []
        for price in base.prices.all():
            price.pk = None
            price.snapshot = settled
            if price.canonical_id == locked.canonical_id and price.first_party:
                setattr(price, attribute, value)
            copies.append(price)
        ModelPrice.objects.bulk_create(copies, batch_size=500)
        locked.settled_value = value
        locked.settled_by = by
        locked.settled_at = timezone.now()
        locked.settled_note = note
        locked.settled_reference = reference
        locked.settled_snapshot = settled
        locked.save(
            update_fields=[
                "settled_value",
                "settled_by",
                "settled_at",
                "settled_note",
                "settled_reference",
                "settled_snapshot",
            ]
        )
    logger.info("Price settled: %s", settled.settlement_note.splitlines()[0])
    return locked


def featured_prices(snapshot: PriceSnapshot) -> list[ModelPrice]:
    """The featured models as the snapshot has them, in the list's order, offered ones only."""
    found = makers_rows(
        snapshot.prices.offered().filter(canonical_id__in=catalogue.FEATURED, first_party=True)
    )
    return [found[c] for c in catalogue.FEATURED if c in found]


def search_prices(snapshot: PriceSnapshot, query: str, *, limit: int = 50) -> list[ModelPrice]:
    prices = snapshot.prices.offered().filter(
        Q(model_id__icontains=query)
        | Q(display_name__icontains=query)
        | Q(host__icontains=query)
        | Q(provider__icontains=query)
        | Q(canonical_id__icontains=query.replace(".", "-"))
    )
    return list(prices.for_picker()[:limit])
