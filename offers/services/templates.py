"""Letter templates: which one an offer uses, new versions, and previews made by a worker."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from offers.letters import sandbox as letter_templates
from offers.models import (
    Department,
    LetterTemplate,
    LetterTemplateVersion,
    Offer,
    TemplatePreview,
    TokenAllocation,
)
from offers.token_line import Preview, value_offer

logger = logging.getLogger(__name__)

# What a version is made of: a change to any of these is a new version.
VERSION_FIELDS = ["language", "body", "token_terms", "signatory_name", "signatory_title"]


def letter_template_for(offer: Offer) -> LetterTemplate | None:
    """The template the rules give this offer: among active templates whose every filled rule
    matches (department, location containing the text, level), the one with the most rules
    (then by name); else the default. With a letter language, only templates written in it
    count, the first of them by name standing in for the default; if none is written in it,
    the language is left aside."""
    templates = list(
        LetterTemplate.objects.filter(active=True, versions__isnull=False)
        .distinct()
        .order_by("name")
    )
    if offer.letter_language:
        written_in = [
            template
            for template in templates
            if template.current_version is not None
            and template.current_version.language == offer.letter_language
        ]
        if written_in:
            templates = written_in
    location = offer.location.casefold()
    level = offer.level.strip().casefold()
    matching = []
    for template in templates:
        rules = [
            (template.department_id, template.department_id == offer.department_id),
            (template.location_contains, template.location_contains.casefold() in location),
            (template.level, template.level.strip().casefold() == level),
        ]
        filled = [matches for value, matches in rules if value]
        if filled and all(filled):
            matching.append((-len(filled), template.name, template))
    if matching:
        return min(matching, key=lambda found: found[:2])[2]
    defaults = [template for template in templates if template.is_default]
    if defaults:
        return defaults[0]
    if offer.letter_language and templates:
        return templates[0]
    return None


# What the rules read of an offer: the rules run again when one of these changes.
RULE_INPUTS = ["department_id", "location", "level", "letter_language"]


def choose_letter_version(
    offer: Offer, chosen: LetterTemplateVersion | None, *, rules_again: bool = True
) -> None:
    """Set the offer's letter wording: the version picked, else the rules' template. With the
    rules, an offer keeps the version it has unless what the rules read of it changed
    (`rules_again`), and even then while they still give its template: a template edited, or a
    new template's rules, never reach an existing offer by themselves."""
    offer.letter_template_by_rules = chosen is None
    if chosen is not None:
        offer.letter_template_version = chosen
        return
    if offer.letter_template_version is not None and not rules_again:
        return
    template = letter_template_for(offer)
    current = offer.letter_template_version
    if template is None or (current is not None and current.template_id == template.pk):
        return
    offer.letter_template_version = template.current_version


def template_version_save(
    *, template: LetterTemplate, content: dict[str, Any], by: User, note: str = ""
) -> LetterTemplateVersion | None:
    """A new version when the wording differs from the newest (checked first); None if not."""
    letter_templates.check(content["body"])
    with transaction.atomic():
        newest = template.versions.select_for_update().order_by("-number").first()
        if newest is not None and all(
            _same(getattr(newest, name), content[name]) for name in VERSION_FIELDS
        ):
            return None
        version = LetterTemplateVersion.objects.create(
            template=template,
            number=(newest.number + 1) if newest else 1,
            created_by=by,
            note=note,
            **{name: content[name] for name in VERSION_FIELDS},
        )
    template.__dict__.pop("current_version", None)
    return version


def _same(stored: Any, typed: Any) -> bool:
    """The same wording: line endings and whitespace at either end do not make a version."""
    if isinstance(stored, str) and isinstance(typed, str):
        return stored.replace("\r\n", "\n").strip() == typed.replace("\r\n", "\n").strip()
    return bool(stored == typed)


def preview_request(*, version: LetterTemplateVersion, by: User) -> TemplatePreview:
    """Ask a worker for a PDF of the version with a sample offer; never rendered in a request."""
    from offers.tasks import render_template_preview_task
    from ops.services import publish_from_web

    preview = TemplatePreview.objects.create(version=version, requested_by=by)

    def send() -> None:
        error = publish_from_web(render_template_preview_task, (preview.pk,))
        if error is not None:
            TemplatePreview.objects.filter(pk=preview.pk).update(
                state=TemplatePreview.State.FAILED,
                error=f"The broker did not take the job ({type(error).__name__}): try again.",
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)
    return preview


def preview_render(*, preview_id: int) -> TemplatePreview | None:
    """Render a preview (the worker's job); a second delivery of a finished one does nothing."""
    from offers.letters import LetterCannotRender, letter_render_pdf

    preview = (
        TemplatePreview.objects.select_related("version__template").filter(pk=preview_id).first()
    )
    if preview is None or preview.state != TemplatePreview.State.QUEUED:
        return preview
    try:
        sample = sample_offer(preview.version)
        rendered = letter_render_pdf(
            sample.offer,
            version=0,
            draft=True,
            template_version=preview.version,
            figures=sample.figures,
        )
    except LetterCannotRender as error:
        preview.state, preview.error = TemplatePreview.State.FAILED, str(error)
    else:
        name = default_storage.save(
            f"previews/template-{preview.version.template_id}/preview-{preview.pk}.pdf",
            ContentFile(rendered.pdf),
        )
        preview.file.name = name
        preview.pages = rendered.pages
        preview.state = TemplatePreview.State.READY
    preview.finished_at = timezone.now()
    preview.save()
    return preview


# Sample currencies for a language's country, among the offer currencies.
SAMPLE_CURRENCY = {"de_DE": "EUR", "fr_FR": "EUR", "en_GB": "GBP", "en_IN": "INR", "en_CA": "CAD"}
SAMPLE_RATES = {"USD": "1", "EUR": "0.92", "GBP": "0.79", "INR": "83.5", "CAD": "1.37"}


def sample_offer(version: LetterTemplateVersion) -> Preview:
    """An unsaved offer with every pillar (options with a cliff, a sign-on bonus, a token line
    on a featured model at today's prices) for previews; nothing of it is stored."""
    from pricing.services import featured_prices, prices_in_force

    currency = SAMPLE_CURRENCY.get(version.language, "USD")
    rate = Decimal(SAMPLE_RATES[currency])
    today = timezone.localdate()
    template = version.template
    snapshot = prices_in_force().snapshot
    featured = featured_prices(snapshot)[:1] if snapshot else []
    offer = Offer(
        candidate_name="Alex Sample",
        candidate_email="alex.sample@example.org",
        role_title="Senior Software Engineer",
        level=template.level or "L5",
        department=template.department or Department(name="Engineering"),
        location=template.location_contains or "Remote",
        hiring_manager=User(first_name="Morgan", last_name="Hale", username="sample-manager"),
        created_by=User(first_name="Riley", last_name="Recruiter", username="sample-recruiter"),
        currency=currency,
        usd_exchange_rate=rate,
        base_salary=(Decimal("185000") * rate).quantize(Decimal(1)),
        target_bonus_percent=Decimal("10"),
        sign_on_bonus=(Decimal("15000") * rate).quantize(Decimal(1)),
        equity_type="options",
        equity_units=8000,
        equity_price_per_unit=Decimal("12.00") * rate,
        equity_strike_price=Decimal("4.00") * rate,
        token_usd_per_day=Decimal("150") if featured else Decimal(0),
        start_date=today + datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=14),
        price_snapshot=snapshot,
        token_priced_on=today,
        letter_template_version=version,
    )
    offer.version = 0
    allocations = [
        TokenAllocation(
            model_id=price.model_id, display_name=price.display_name, share_percent=Decimal(100)
        )
        for price in featured
    ]
    prices = {price.model_id: price for price in featured}
    return Preview(offer, value_offer(offer, prices=prices, allocations=allocations))


def previews_sweep() -> int:
    """Previews no worker made within `LETTER_REQUEUE_AFTER` say so (the sweep runs this): a
    preview is asked for again by hand, nobody waits on it forever."""
    from django.conf import settings

    now = timezone.now()
    return TemplatePreview.objects.filter(
        state=TemplatePreview.State.QUEUED,
        requested_at__lt=now - datetime.timedelta(seconds=settings.LETTER_REQUEUE_AFTER),
    ).update(
        state=TemplatePreview.State.FAILED,
        error="No worker made it in time: check that the workers run, then preview again.",
        finished_at=now,
    )
