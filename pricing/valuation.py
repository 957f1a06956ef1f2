"""What a daily AI token budget buys and costs: pure Decimal arithmetic, no Django needed.

One entry point, `value_token_line`, takes every input explicitly (`TokenLine`) and returns a
`Valuation`. The builder, the offer page, the letter, the candidate page, the admin, price drift
and `token_quote` all call it.

The model of use:
- Tokens fall in four classes, each with its own price: fresh input, cache write, cache read and
  output (reasoning tokens are billed as output). A usage mix gives each class's share of tokens.
- Each model of the budget has a service tier (standard, batch, priority, flex) whose prices are
  used where the price data has that tier, and a share of tokens sent in long requests (above the
  model's long-context threshold), priced at its long-context rates where it has them.
- Blended price per 1M tokens = Σ class share × class price; tokens per day = that model's
  dollars per day / blended price (whole tokens, rounded down); yearly cost = USD per day ×
  working days.
- The commitment is dollars. Tokens are what those dollars buy at the prices of one snapshot.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

MILLION = Decimal(1_000_000)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DEFAULT_WORKING_DAYS = 230
DEFAULT_AGENT_HOURS_PER_DAY = 8

CLASSES = ("fresh_input", "cache_write", "cache_read", "output")


def gettext_noop(message: str) -> str:
    """Marks a sentence for the translators (Django's makemessages looks for this name) while
    the valuation stays free of Django; a letter translates it (`offers.letters.note_text`)."""
    return message


# The notes a valuation can make, by kind: {name} is the model, {tier} its tier, {label} a
# token class.
NOTES = {
    # A class valued at the standard tier's price, the model's tier having none.
    "standard_price": gettext_noop(
        "{name} ({tier}): {label} valued at the standard price (no {tier} price given)."
    ),
    # A cache class valued at the input price.
    "input_price": gettext_noop(
        "{name} ({tier}): {label} valued at the input price (no {label} price given)."
    ),
    # Long requests of a class valued at the ordinary price.
    "long_ordinary": gettext_noop(
        "{name} ({tier}): no long-context {label} price given; long requests valued at the "
        "ordinary price."
    ),
    # The price data have no long-context prices at all.
    "one_price": gettext_noop(
        "{name} has one price whatever the request length in these price data, so long "
        "requests cost the same."
    ),
}


class Note(str):
    """A note on how a model's tokens were valued: the English sentence of its kind (NOTES),
    with the words that fill it kept apart so that a letter can say it in its own language."""

    kind: str
    model: str
    tier: str
    label: str

    def __new__(cls, kind: str, *, model: str, tier: str, label: str = "") -> Note:
        note = super().__new__(cls, NOTES[kind].format(name=model, tier=tier, label=label))
        note.kind, note.model, note.tier, note.label = kind, model, tier, label
        return note

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, str]]:
        """Copied and pickled whole (an offer's cached valuation travels with the offer)."""
        return (self.kind,), {"model": self.model, "tier": self.tier, "label": self.label}


CLASS_LABELS = {
    "fresh_input": "fresh input",
    "cache_write": "cache write",
    "cache_read": "cache read",
    "output": "output",
}
TIERS = ("standard", "batch", "priority", "flex")
TIER_LABELS = {
    "standard": "standard",
    "batch": "batch (asynchronous, within 24 h)",
    "priority": "priority",
    "flex": "flex (slower, may be queued)",
}


class ValuationError(ValueError):
    """The inputs cannot be valued; the message is for the person who gave them."""


@dataclass(frozen=True)
class UsageMix:
    """Each token class's share of all tokens, as fractions that sum to 1."""

    fresh_input: Decimal
    cache_write: Decimal
    cache_read: Decimal
    output: Decimal

    def __post_init__(self) -> None:
        shares = self.shares()
        if any(not isinstance(s, Decimal) or not s.is_finite() or s < 0 for s in shares.values()):
            raise ValuationError("usage shares must be Decimals of zero or more")
        if sum(shares.values()) != ONE:
            total = sum(shares.values()) * HUNDRED
            raise ValuationError(
                f"the usage shares must add up to 100%, not {total.normalize():f}%: "
                "fresh input + cache write + cache read + output"
            )

    def shares(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in CLASSES}

    @classmethod
    def from_percent(
        cls, fresh_input: Decimal, cache_write: Decimal, cache_read: Decimal, output: Decimal
    ) -> UsageMix:
        return cls(
            fresh_input=fresh_input / HUNDRED,
            cache_write=cache_write / HUNDRED,
            cache_read=cache_read / HUNDRED,
            output=output / HUNDRED,
        )

    def percent(self) -> dict[str, Decimal]:
        return {name: (share * HUNDRED).normalize() for name, share in self.shares().items()}


@dataclass(frozen=True)
class ContextGrowth:
    """How large a session's requests get: its context starts somewhere in `starts` and grows
    with each request until the tool compacts it near `compacts_at`."""

    starts: tuple[int, int]  # tokens of context at a session's first request, low and high
    compacts_at: int
    source: str

    def long_share(self, threshold: int) -> tuple[Decimal, Decimal]:
        """The share of tokens sent in requests whose prompt is over `threshold`, for the
        lowest and the highest start. Requests are taken to grow evenly from the start to the
        compaction, so a request's size is spread evenly over that span and its tokens weigh
        by its size: share = (end² - threshold²) / (end² - start²)."""
        end = Decimal(self.compacts_at)
        shares = []
        for start in self.starts:
            low = max(Decimal(start), min(Decimal(threshold), end))
            shares.append((end**2 - low**2) / (end**2 - Decimal(start) ** 2))
        return min(shares), max(shares)

    def estimate(self, threshold: int) -> Decimal:
        """The middle of the range, as a whole percentage."""
        low, high = self.long_share(threshold)
        return ((low + high) / 2 * HUNDRED).quantize(ONE)


# Coding-agent sessions: a new Claude Code session's first request already carries about 20k
# tokens (system prompt and tools: 3.1k + 14.6k in anthropics/claude-code issue 12464) to 80k
# (issue 12333, "a new Claude Code session already takes 80K tokens"), and the session compacts
# at about 155k of a 200k window (45k autocompact buffer, issue 12464; ~160k, issue 9964 as
# reported in GWUDCAP/cc-sessions issue 89).
CODING_CONTEXT = ContextGrowth(
    starts=(20_000, 80_000),
    compacts_at=155_000,
    source=(
        "a coding agent's context starts at about 20,000 to 80,000 tokens and grows until "
        "the tool compacts it near 155,000 (Claude Code, in its issue tracker); tokens are "
        "taken to be spread evenly over that span"
    ),
)


@dataclass(frozen=True)
class UsageProfile:
    """A preset usage mix, where its shares come from, and what is not known about them."""

    key: str
    label: str
    mix: UsageMix
    source: str
    uncertain: str
    # Tokens one session of this kind goes through in an hour of continuous work, and what to
    # call it; None where no published log says, so no "keeps N busy" sentence is shown.
    tokens_per_agent_hour: int | None = None
    tokens_per_busy_agent_hour: int | None = None
    agent_noun: str = ""
    agent_source: str = ""
    # Someone waits for each answer: the tiers for work that can wait do not fit.
    interactive: bool = True
    # How large requests get, for the share of tokens in long requests; None where unknown.
    context_growth: ContextGrowth | None = None

    def long_request_estimate(self, threshold: int | None) -> Decimal:
        """The share of tokens (percent) in requests past a model's long-context threshold;
        0 where the model has one price or the profile says nothing of request sizes."""
        if self.context_growth is None or not threshold:
            return Decimal(0)
        return self.context_growth.estimate(threshold)


# Tiers whose answers come late or may not come: batch (Anthropic, OpenAI and Google's batch
# APIs return results within 24 hours), flex (OpenAI's flex processing and Gemini's Flex tier:
# slower answers, refused when capacity is short).
WAITING_TIERS = {
    "batch": "results come within 24 hours",
    "flex": "answers are slower and may be refused when the provider is busy",
}


# Three published coding-agent usage logs (shares of all tokens, in %):
#   fresh input / cache write / cache read / output
# - Claude Code on Bedrock, one developer-day (aws-solutions-library-samples/
#   guidance-for-claude-code-with-amazon-bedrock, issue 403, 2026-05-25: 23K input, 1.3M cache
#   write, 15.5M cache read, 125K output):                0.14 /  7.67 / 91.46 / 0.74
# - GitHub Copilot CLI with Sonnet 4.6, one day (ccusage/ccusage, issue 1364, 2026-06-23):
#                                                          11.46 / 11.42 / 75.67 / 1.46
# - Codex with GPT-5.6 Terra, one session (ccusage/ccusage, issue 1784; 63% of output was
#   reasoning, billed as output):                          6.60 /  0.00 / 92.42 / 0.99
# The preset is their mean, rounded to half a percent so it adds up to 100.
AGENTIC_CODING_MIX = UsageMix.from_percent(
    Decimal("6"), Decimal("6.5"), Decimal("86.5"), Decimal("1")
)
# One agent session's throughput: a Claude Code session logged in anthropics/claude-code issue
# 24147 (comment of 2026-09-02) went through 3.6M cache-read + 172K cache-write tokens (fresh
# input ~0) in 17 minutes: 3.77M / 17 min ≈ 13.3M tokens an hour. The same log's busiest 5-hour
# windows averaged 25-34M tokens an hour with larger contexts, so this is the lower, steadier
# figure.
AGENT_TOKENS_PER_HOUR = 13_300_000
# The busy end of the same log: 34M tokens an hour, so the same tokens keep fewer agents busy.
# Agent counts are given as the range between the two.
AGENT_TOKENS_PER_BUSY_HOUR = 34_000_000

PROFILES: dict[str, UsageProfile] = {
    profile.key: profile
    for profile in [
        UsageProfile(
            key="agentic-coding",
            label="Agentic coding",
            mix=AGENTIC_CODING_MIX,
            source=(
                "The mean of three published coding-agent usage logs: Claude Code on Bedrock "
                "(one developer-day), GitHub Copilot CLI with Sonnet 4.6 (one day) and Codex "
                "with GPT-5.6 (one session)."
            ),
            uncertain=(
                "Cache writes ranged from 0% to 11% of tokens and fresh input from 0.1% to "
                "11% across the logs; a tool that caches less buys fewer tokens. Three logs "
                "are a small sample."
            ),
            tokens_per_agent_hour=AGENT_TOKENS_PER_HOUR,
            tokens_per_busy_agent_hour=AGENT_TOKENS_PER_BUSY_HOUR,
            context_growth=CODING_CONTEXT,
            agent_noun="coding agent",
            agent_source=(
                "one Claude Code session logged at 3.77 million tokens in 17 minutes "
                "(about 13.3 million an hour); the same log's busiest hours ran up to 34 "
                "million, which gives the lower end of the range"
            ),
        ),
        UsageProfile(
            key="chat",
            label="Chat assistant",
            mix=UsageMix.from_percent(Decimal("60"), Decimal("0"), Decimal("20"), Decimal("20")),
            source="The team's estimate: short prompts, replies of similar length, some history "
            "served from the cache.",
            uncertain="No published usage log of chat assistants was found; treat it as a guess.",
        ),
        UsageProfile(
            key="batch",
            label="Batch processing",
            mix=UsageMix.from_percent(Decimal("75"), Decimal("0"), Decimal("0"), Decimal("25")),
            source="The team's estimate: documents read once and summarised or transformed, "
            "no cache, output about a third of input.",
            uncertain="No published usage log of document pipelines was found; treat it as a "
            "guess. Pick the batch tier where the work can wait a day.",
            interactive=False,
        ),
    ]
}
DEFAULT_PROFILE = "agentic-coding"


@dataclass(frozen=True)
class TierRates:
    """One service tier's prices of one model, in USD per 1M tokens; None where not given."""

    fresh_input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    # Prices for requests above the long-context threshold.
    long_fresh_input: Decimal | None = None
    long_output: Decimal | None = None
    long_cache_read: Decimal | None = None
    long_cache_write: Decimal | None = None

    @property
    def has_long_context(self) -> bool:
        return self.long_fresh_input is not None or self.long_output is not None


@dataclass(frozen=True)
class ModelRates:
    """What the price data says of one model: its tiers (standard always) and thresholds."""

    model_id: str
    display_name: str
    tiers: Mapping[str, TierRates]
    long_context_threshold: int | None = None
    # The share of the working hours at peak prices, already spread into the standard tier's.
    peak_share: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if "standard" not in self.tiers:
            raise ValuationError(f"{self.display_name} has no standard prices")


@dataclass(frozen=True)
class ModelShare:
    """One model of a budget: its share of the dollars, its tier and its long-request share."""

    rates: ModelRates
    share: Decimal  # fraction of the budget's dollars
    tier: str = "standard"
    long_context_share: Decimal = Decimal(0)  # fraction of its tokens sent in long requests
    # A maker's price multiplier for regional processing (data residency), 1 for none.
    residency_uplift: Decimal = Decimal(1)


@dataclass(frozen=True)
class ClassPrice:
    """The price used for one token class of one model, and where it came from."""

    name: str
    share: Decimal  # of tokens
    usd_per_million: Decimal  # after the long-context share
    basis: str  # e.g. "batch price", "input price: no cache-write price given"


@dataclass(frozen=True)
class ModelLine:
    model_id: str
    display_name: str
    share: Decimal
    tier: str
    long_context_share: Decimal
    usd_per_day: Decimal  # exact to the cent; the lines of a budget add up to it
    usd_per_year: Decimal
    tokens_per_day: int
    blended_per_million: Decimal
    classes: tuple[ClassPrice, ...]
    notes: tuple[Note, ...]
    # Sessions of the profile's kind these tokens keep busy all working day; None if unknown.
    agents: Decimal | None = None
    agent_hours: Decimal | None = None  # hours of one session, when less than one agent-day
    # The same at the log's busiest rate: the low end of the range pages state.
    agents_low: Decimal | None = None
    agent_hours_low: Decimal | None = None
    # Share of the working day at the maker's peak prices, valued in (standard tier only).
    peak_share: Decimal = Decimal(0)


@dataclass(frozen=True)
class Valuation:
    usd_per_day: Decimal
    usd_per_year: Decimal
    working_days: int
    profile: UsageProfile
    mix: UsageMix
    lines: tuple[ModelLine, ...]
    agent_hours_per_day: int

    @property
    def mix_is_preset(self) -> bool:
        return self.mix == self.profile.mix

    @property
    def mix_label(self) -> str:
        return self.profile.label + ("" if self.mix_is_preset else " (adjusted)")

    @property
    def notes(self) -> list[Note]:
        return [note for line in self.lines for note in line.notes]


@dataclass(frozen=True)
class TokenLine:
    """Everything a valuation depends on. Give `usd_per_day` or `tokens_per_day` (one model)."""

    models: tuple[ModelShare, ...]
    profile: UsageProfile
    mix: UsageMix
    usd_per_day: Decimal | None = None
    tokens_per_day: int | None = None
    working_days: int = DEFAULT_WORKING_DAYS
    agent_hours_per_day: int = DEFAULT_AGENT_HOURS_PER_DAY


def _context() -> decimal.Context:
    return decimal.Context(
        prec=40, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
    )


def _check_whole(value: object, *, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValuationError(f"{what} must be a whole number")
    if not low <= value <= high:
        raise ValuationError(f"{what} must be between {low} and {high}")


def class_prices(model: ModelShare, mix: UsageMix) -> tuple[tuple[ClassPrice, ...], list[Note]]:
    """The price of each token class for this model, tier and long-context share, with notes."""
    rates = model.rates
    name = rates.display_name
    tier = rates.tiers.get(model.tier)
    if tier is None:
        offered = ", ".join(t for t in TIERS if t in rates.tiers)
        raise ValuationError(
            f"{name} has no {model.tier} prices in these price data (it has: {offered}); "
            "choose one of those tiers"
        )
    standard = rates.tiers["standard"]
    long_share = model.long_context_share
    if not isinstance(long_share, Decimal) or not 0 <= long_share <= 1:
        raise ValuationError("the share of long requests must be between 0% and 100%")
    notes: list[Note] = []
    prices = []
    for attribute in CLASSES:
        share = getattr(mix, attribute)
        label = CLASS_LABELS[attribute]
        short = getattr(tier, attribute)
        basis = f"{model.tier} price"
        if short is None and model.tier != "standard" and getattr(standard, attribute) is not None:
            short = getattr(standard, attribute)
            basis = f"standard price (no {model.tier} price given)"
        elif short is None:
            # Only the two cache classes can be missing: input and output are always given.
            short = tier.fresh_input
            basis = f"input price (no {label} price given)"
        if share and not basis.startswith(model.tier):
            notes.append(
                Note(
                    "standard_price" if basis.startswith("standard") else "input_price",
                    model=name,
                    tier=model.tier,
                    label=label,
                )
            )
        price = short
        if long_share:
            long = getattr(tier, f"long_{attribute}")
            if long is None:
                long = short
                if tier.has_long_context:
                    basis += "; long requests at the same price (no long-context price given)"
                    if share:
                        notes.append(
                            Note(
                                "long_ordinary",
                                model=name,
                                tier=model.tier,
                                label=label,
                            )
                        )
            else:
                basis += f"; {long_share * HUNDRED:.0f}% of tokens at the long-context price"
            price = (ONE - long_share) * short + long_share * long
        if model.residency_uplift != ONE:
            price *= model.residency_uplift
            basis += f"; ×{model.residency_uplift.normalize()} for regional processing"
        prices.append(ClassPrice(name=attribute, share=share, usd_per_million=price, basis=basis))
    if long_share and not tier.has_long_context:
        notes.append(
            Note(
                "one_price",
                model=name,
                tier=model.tier,
            )
        )
    return tuple(prices), notes


def split_to_cents(total: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """Split an amount by shares (summing to 1) into cents that add up to it exactly.

    Largest remainder: each part is rounded down to the cent, and the cents left over go to the
    parts with the largest remainders (the first of equal ones).
    """
    cents = (total / CENT).to_integral_value(rounding=ROUND_FLOOR)
    if cents * CENT != total:
        raise ValuationError("the budget must be a whole number of cents")
    exact = [cents * share for share in shares]
    floors = [value.to_integral_value(rounding=ROUND_FLOOR) for value in exact]
    left = int(cents - sum(floors))
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [value * CENT for value in floors]


def _agents(
    tokens_per_day: int, profile: UsageProfile, hours_per_day: int, *, busy: bool = False
) -> tuple[Decimal | None, Decimal | None]:
    """How many sessions the tokens keep busy all day, or hours of one session if less (at
    the busiest rate of the log with `busy`)."""
    rate = profile.tokens_per_busy_agent_hour if busy else profile.tokens_per_agent_hour
    if rate is None:
        return None, None
    agents = Decimal(tokens_per_day) / (Decimal(rate) * hours_per_day)
    hours = Decimal(tokens_per_day) / Decimal(rate)
    if agents >= 1 and not busy:
        return agents, None
    return agents, hours


def value_token_line(line: TokenLine) -> Valuation:
    """Value a token budget: the one entry point every page, letter and command calls."""
    _check_whole(line.working_days, what="working days per year", low=1, high=366)
    _check_whole(line.agent_hours_per_day, what="working hours per day", low=1, high=24)
    if not line.models:
        raise ValuationError("the budget must be split across at least one model")
    if (line.usd_per_day is None) == (line.tokens_per_day is None):
        raise ValuationError("give the budget in USD per day or in tokens per day, not both")
    shares = [model.share for model in line.models]
    if any(not isinstance(s, Decimal) or s < 0 for s in shares):
        raise ValuationError("model shares must be Decimals of zero or more")
    if sum(shares) != ONE:
        raise ValuationError("model shares must add up to 100%")
    for model in line.models:
        if line.profile.interactive and model.tier in WAITING_TIERS:
            raise ValuationError(
                f"the {model.tier} tier is for work that can wait ({WAITING_TIERS[model.tier]}), "
                f"not for {line.profile.label.lower()}, where someone waits for each answer: "
                "choose standard or priority, or the batch processing profile"
            )
    with decimal.localcontext(_context()):
        priced = []
        for model in line.models:
            prices, notes = class_prices(model, line.mix)
            blended = sum((p.share * p.usd_per_million for p in prices), Decimal(0))
            if blended == 0:
                raise ValuationError(
                    f"{model.rates.display_name} is free at these prices: a budget cannot buy it"
                )
            priced.append((model, prices, notes, blended))
        if line.tokens_per_day is not None:
            tokens = line.tokens_per_day
            if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
                raise ValuationError("tokens per day must be a whole number of zero or more")
            if len(line.models) != 1:
                raise ValuationError("a budget in tokens per day is for one model only")
            blended = priced[0][3]
            # The commitment is dollars, to the cent: the cost of these tokens, rounded up so
            # the dollars always buy them.
            usd_per_day = (Decimal(tokens) * blended / MILLION / CENT).to_integral_value(
                rounding=decimal.ROUND_CEILING
            ) * CENT
            dollars = [usd_per_day]
        else:
            usd_per_day = line.usd_per_day  # type: ignore[assignment]
            if not isinstance(usd_per_day, Decimal) or not usd_per_day.is_finite():
                raise ValuationError("the budget must be a Decimal amount of USD per day")
            if usd_per_day < 0:
                raise ValuationError("the budget must be zero or more USD per day")
            dollars = split_to_cents(usd_per_day, shares)
        lines = []
        for (model, prices, notes, blended), line_dollars in zip(priced, dollars, strict=True):
            if line.tokens_per_day is not None:
                tokens_per_day = line.tokens_per_day
            else:
                tokens_per_day = int(
                    (line_dollars * MILLION / blended).to_integral_value(rounding=ROUND_FLOOR)
                )
            agents, agent_hours = _agents(tokens_per_day, line.profile, line.agent_hours_per_day)
            agents_low, agent_hours_low = _agents(
                tokens_per_day, line.profile, line.agent_hours_per_day, busy=True
            )
            lines.append(
                ModelLine(
                    model_id=model.rates.model_id,
                    display_name=model.rates.display_name,
                    share=model.share,
                    tier=model.tier,
                    long_context_share=model.long_context_share,
                    usd_per_day=line_dollars,
                    usd_per_year=line_dollars * line.working_days,
                    tokens_per_day=tokens_per_day,
                    blended_per_million=blended,
                    classes=prices,
                    notes=tuple(notes),
                    agents=agents,
                    agent_hours=agent_hours,
                    agents_low=agents_low,
                    agent_hours_low=agent_hours_low if agent_hours is not None else None,
                    peak_share=model.rates.peak_share if model.tier == "standard" else Decimal(0),
                )
            )
    return Valuation(
        usd_per_day=usd_per_day,
        usd_per_year=usd_per_day * line.working_days,
        working_days=line.working_days,
        profile=line.profile,
        mix=line.mix,
        lines=tuple(lines),
        agent_hours_per_day=line.agent_hours_per_day,
    )


@dataclass(frozen=True)
class Comparison:
    """A budget beside a reference figure, for telling a generous budget from an absurd one."""

    source: str
    usd_per_day: Decimal | None = None
    usd_per_year: Decimal | None = None
    ratio: Decimal = field(default=Decimal(0))


def compare_budget(
    *,
    usd_per_day: Decimal,
    working_days: int,
    reference_usd_per_day: Decimal | None,
    reference_label: str,
    seat_usd_per_year: Decimal | None,
    seat_label: str,
) -> list[Comparison]:
    """The budget as a multiple of typical spend and of a flat-rate seat's yearly price."""
    comparisons = []
    if reference_usd_per_day:
        comparisons.append(
            Comparison(
                source=reference_label,
                usd_per_day=reference_usd_per_day,
                ratio=usd_per_day / reference_usd_per_day,
            )
        )
    if seat_usd_per_year:
        comparisons.append(
            Comparison(
                source=seat_label,
                usd_per_year=seat_usd_per_year,
                ratio=usd_per_day * working_days / seat_usd_per_year,
            )
        )
    return comparisons
