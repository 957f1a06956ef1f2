"""What makers charge to keep processing in one region (data residency), as they publish it.

None of the price sources carries these uplifts, so they are written here with their source.
An offer's model can be valued with the uplift where its maker publishes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricing import catalogue


@dataclass(frozen=True)
class Residency:
    what: str
    uplift: Decimal  # the price multiplier
    applies_to: str
    source: str


BY_MAKER = {
    "anthropic": Residency(
        what='US-only inference (inference_geo "us")',
        uplift=Decimal("1.1"),
        applies_to="Claude Opus 4.6, Sonnet 4.6 and later models",
        source="platform.claude.com/docs/en/manage-claude/data-residency; 1.1x pricing "
        "multiplier, docs.aws.amazon.com/claude-platform/latest/userguide/data-residency",
    ),
    "openai": Residency(
        what="regional processing (data residency endpoints)",
        uplift=Decimal("1.1"),
        applies_to="models released on or after 5 March 2026 that support data residency",
        source="developers.openai.com/api/docs/guides/data-residency (10% uplift)",
    ),
}


def residency_for(model_id: str) -> Residency | None:
    """The uplift the model's maker publishes for regional processing, if any."""
    maker = catalogue.maker(catalogue.canonical_id(model_id.split("/")[-1]))
    return BY_MAKER.get(maker or "")


def residency_uplift(model_id: str, *, regional: bool) -> Decimal:
    """The price multiplier of a model valued with regional processing (1 without, or where
    its maker publishes none: the builder and token_quote refuse that choice)."""
    found = residency_for(model_id) if regional else None
    return found.uplift if found else Decimal(1)
