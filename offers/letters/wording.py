"""The letter's words and figures in its language: the plain values a template names
(`letter_values`) and the app's blocks (`block_values`: the pay table, the chart's totals, the
vesting schedule, the token budget's sentences), all written by one `LetterFormat`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from offers import charts, token_line
from offers.letters.format import LetterFormat
from offers.models import LetterTemplateVersion, Offer
from offers.roles import person_name
from offers.token_line import Figures
from pricing.money import WHOLE, round_money
from pricing.valuation import CLASS_LABELS, NOTES, Note


def letter_values(
    offer: Offer,
    version: LetterTemplateVersion,
    fmt: LetterFormat,
    *,
    draft: bool,
    figures: Figures | None = None,
) -> dict[str, Any]:
    """The plain values a template may name (see `sandbox.PLACEHOLDERS`): strings,
    booleans and lists of small dicts, formatted for the letter's language; no model objects.
    The figures are the saved offer's unless others are given."""
    figures = figures or offer.figures
    package = figures.package
    equity = offer.equity
    years = package.years()
    valuation = figures.valuation
    snapshot = offer.price_snapshot
    kind = {"rsu": "RSUs", "options": "stock options"}.get(equity.kind, "no equity")
    values: dict[str, Any] = {
        "company": settings.COMPANY_NAME,
        "today": fmt.date(timezone.localdate()),
        "candidate_name": offer.candidate_name,
        "candidate_first_name": (offer.candidate_name.split() or [""])[0],
        "role_title": offer.role_title,
        "level": offer.level,
        "department": str(offer.department),
        "location": offer.location,
        "start_date": fmt.date(offer.start_date),
        "expires_on": fmt.date(offer.expires_on),
        "currency": offer.currency,
        "base_salary": fmt.money_whole(offer.base_salary),
        "target_bonus_percent": fmt.percent(offer.target_bonus_percent),
        "bonus_at_target": fmt.money_whole(package.bonus_at_target),
        "sign_on_bonus": fmt.money_whole(offer.sign_on_bonus),
        "equity_kind": kind,
        "equity_units": fmt.number(offer.equity_units),
        "equity_price_per_unit": fmt.money(offer.equity_price_per_unit),
        "equity_strike_price": fmt.money(offer.equity_strike_price),
        "equity_first_year": fmt.money_whole(years[0].equity if years else Decimal(0)),
        "vesting_years": fmt.number(offer.vesting_years),
        "cliff_months": fmt.number(offer.cliff_months),
        "vesting_frequency": offer.get_vesting_frequency_display().lower(),
        "token_budget_per_day": fmt.usd(valuation.usd_per_day if valuation else Decimal(0)),
        "token_budget_per_year": fmt.money_whole(figures.per_year_in_currency),
        "token_price_date": fmt.date(snapshot.prices_as_of.date()) if snapshot else "",
        "token_models": [
            {
                "name": line.display_name,
                "usd_per_day": fmt.usd(line.usd_per_day),
                "tokens_per_day": fmt.number(line.tokens_per_day),
            }
            for line in (valuation.lines if valuation else ())
        ],
        "first_year_total": fmt.money_whole(package.first_year_total),
        "four_year_total": fmt.money_whole(package.four_year_total),
        "hiring_manager": person_name(offer.hiring_manager),
        "recruiter": person_name(getattr(offer, "created_by", None)),
        "signatory_name": version.signatory_name,
        "signatory_title": version.signatory_title,
        "has_sign_on_bonus": offer.sign_on_bonus > 0,
        "has_bonus": offer.target_bonus_percent > 0,
        "has_equity": equity.kind != "none" and equity.units > 0,
        "equity_is_options": equity.kind == "options" and equity.units > 0,
        "equity_is_rsus": equity.kind == "rsu" and equity.units > 0,
        "has_cliff": equity.kind != "none" and offer.cliff_months > 0,
        "has_token_budget": valuation is not None and valuation.usd_per_day > 0,
        "is_draft": draft,
    }
    return values


# Words of the valuation and the pay table the letter translates (makemessages reads them here).
LETTER_WORDS = [
    # Usage profiles, as a sentence names them ("usage like agentic coding").
    gettext_noop("agentic coding"),
    gettext_noop("chat assistant"),
    gettext_noop("batch processing"),
    gettext_noop("fresh input"),
    gettext_noop("cache write"),
    gettext_noop("cache read"),
    gettext_noop("output"),
    gettext_noop("Base salary"),
    gettext_noop("Bonus at target"),
    gettext_noop("Sign-on bonus"),
    gettext_noop("Equity"),
    gettext_noop("AI token budget"),
    gettext_noop("monthly"),
    gettext_noop("quarterly"),
    gettext_noop("annually"),
    gettext_noop("standard"),
    gettext_noop("batch"),
    gettext_noop("priority"),
    gettext_noop("flex"),
    gettext_noop("coding agent"),
]
PLURALS = {"coding agent": gettext_noop("coding agents")}


def note_text(note: Note) -> str:
    """A valuation note in the letter's language (its English sentence where untranslated)."""
    return _(NOTES[note.kind]).format(
        name=note.model, tier=_(note.tier), label=_(note.label) if note.label else ""
    )


def _token_block(
    offer: Offer,
    fmt: LetterFormat,
    figures: Figures,
    *,
    peak_hours: list[token_line.PeakHours] | None,
    changes_ahead: list[token_line.PriceChangeAhead] | None,
) -> dict[str, Any]:
    """The token budget's sentences, in the letter's language."""
    valuation = figures.valuation
    if valuation is None:
        return {}
    local = ""
    if offer.currency != "USD":
        local = _(" ({amount} at {rate} {currency} per US dollar)").format(
            amount=fmt.money_whole(figures.per_year_in_currency),
            rate=fmt.number(offer.usd_exchange_rate.normalize()),
            currency=offer.currency,
        )
    intro = format_html(
        _(
            "You have <strong>{per_day} a day</strong> to spend on AI models for your work, "
            "<strong>{per_year} a year</strong> over {days} working days{local}. The "
            "commitment is the dollar amount; at the prices below it buys each day:"
        ),
        per_day=fmt.usd(valuation.usd_per_day),
        per_year=fmt.money_whole(valuation.usd_per_year, "USD"),
        days=fmt.number(valuation.working_days),
        local=local,
    )
    snapshot = offer.price_snapshot
    prices_on = offer.token_prices_date
    prices_date = fmt.date(prices_on) if prices_on else ""
    noun = valuation.profile.agent_noun
    words = []
    for line in valuation.lines:
        sentence = format_html(
            _("<strong>{tokens} tokens a day of {model}</strong> at the prices of {date}"),
            tokens=fmt.tokens_words(line.tokens_per_day),
            model=line.display_name,
            date=prices_date,
        )
        if len(valuation.lines) > 1:
            share = _("{amount} of it: ").format(amount=fmt.usd(line.usd_per_day))
            sentence = format_html("{}{}", share, sentence)
        if line.agents is not None and noun:
            if line.agent_hours:
                enough = ngettext(
                    "enough for about {count} hour of one {noun} a day",
                    "enough for about {count} hours of one {noun} a day",
                    2,
                ).format(
                    count=fmt.about_range(line.agent_hours_low, line.agent_hours), noun=_(noun)
                )
            else:
                enough = ngettext(
                    "enough to keep about {count} {noun} busy all working day",
                    "enough to keep about {count} {nouns} busy all working day",
                    2,
                ).format(
                    count=fmt.about_range(line.agents_low, line.agents),
                    noun=_(noun),
                    nouns=_(PLURALS.get(noun, noun)),
                )
            sentence = format_html("{} — {}", sentence, enough)
        words.append(format_html("{}.", sentence))
    label = _(valuation.profile.label.lower())
    if not valuation.mix_is_preset:
        label += _(" (adjusted)")
    shares = ", ".join(
        _("{name} {share}").format(name=_(CLASS_LABELS[name]), share=fmt.percent(Decimal(share)))
        for name, share in valuation.mix.percent().items()
    )
    agent = ""
    if valuation.profile.tokens_per_agent_hour:
        agent = _(
            " and an agent working {hours} hours a day at about {tokens} tokens an hour, from a "
            "published usage log"
        ).format(
            hours=fmt.number(valuation.agent_hours_per_day),
            tokens=fmt.about_range(
                valuation.profile.tokens_per_agent_hour,
                valuation.profile.tokens_per_busy_agent_hour,
                whole=True,
            ),
        )
    assumptions = _(
        "The budget is in dollars: the tokens it buys change as prices change. Figures assume "
        "usage like {mix} ({shares} of tokens){agent}; real use varies."
    ).format(mix=label, shares=shares, agent=agent)
    prices = ""
    if snapshot:
        prices = _(
            "Prices: {source} (data of {data_date}), in force on {date}, in US dollars per "
            "million tokens."
        ).format(
            source=snapshot.get_source_display(),
            data_date=fmt.date(snapshot.prices_as_of.date()),
            date=prices_date,
        )
    peak = [
        format_html(
            _(
                "{model} costs more during its maker's busy hours ({windows}); {share} of your "
                "working day ({hours}) falls in them, which the figures above allow for. Used "
                "outside those hours, the budget buys more."
            ),
            model=effect.display_name,
            windows=effect.windows.replace(" and ", _(" and ")),
            share=fmt.percent(effect.share_percent),
            hours=effect.hours,
        )
        for effect in (token_line.peak_hours(offer, figures) if peak_hours is None else peak_hours)
    ]
    changes = [
        format_html(
            _(
                "{model}'s price changes on {date}: the same {amount} a day will then buy "
                "{tokens} tokens instead of {before} ({change})."
            ),
            model=change.display_name,
            date=fmt.date(change.starts_on),
            amount=fmt.usd(change.usd_per_day),
            tokens=fmt.tokens_words(change.tokens_after),
            before=fmt.tokens_words(change.tokens_before),
            change=("+" if change.change_percent > 0 else "−")
            + fmt.percent(abs(change.change_percent).quantize(Decimal(1))),
        )
        for change in (
            token_line.price_changes_ahead(offer, figures)
            if changes_ahead is None
            else changes_ahead
        )
    ]
    return {
        "intro": intro,
        "words": words,
        "assumptions": assumptions,
        "prices": prices,
        "peak": peak,
        "changes": changes,
        "notes": [note_text(note) for note in valuation.notes],
        "lines": [
            (
                line.display_name + (f" ({_(line.tier)})" if line.tier != "standard" else ""),
                fmt.usd(line.usd_per_day),
                fmt.number(line.tokens_per_day),
                fmt.usd_per_million(line.blended_per_million),
            )
            for line in valuation.lines
        ],
    }


@dataclass(frozen=True)
class PayRow:
    key: str  # base, bonus, sign_on, equity, tokens
    label: str
    what: str  # what it is, in the candidate's words
    amount: str  # with its period: "$200,000 a year", "$60,000 in year 1"


def equity_vesting(offer: Offer) -> list[dict[str, Any]]:
    """Units vesting and their value at today's price, year by year over the whole schedule."""
    equity = offer.equity
    if equity.kind == "none" or not equity.units:
        return []
    return [
        {"year": year, "units": units, "value": units * equity.value_per_unit}
        for year, units in enumerate(equity.units_by_year(equity.vesting_years), start=1)
    ]


def chart_context(figures: Figures) -> dict[str, Any]:
    """The figures, their four years and chart, and the token valuation: what every page
    and the letter show of them."""
    years = figures.package.years()
    return {
        "figures": figures,
        "years": years,
        "pillars": charts.PILLARS,
        "chart": {"width": charts.WIDTH, "height": charts.HEIGHT},
        "valuation": figures.valuation,
    }


def block_values(
    offer: Offer,
    fmt: LetterFormat,
    figures: Figures,
    *,
    peak_hours: list[token_line.PeakHours] | None = None,
    changes_ahead: list[token_line.PriceChangeAhead] | None = None,
) -> dict[str, Any]:
    """The app's blocks' figures and words, in `fmt`'s language (call it with that language
    active): the letter's, and the pages' in English. Peak hours and price changes ahead are
    found here unless the caller has them already."""
    package = figures.package
    years = package.years()
    equity = offer.equity
    valuation = figures.valuation
    cliff_months = offer.cliff_months
    if equity.kind == "none" or not equity.units:
        equity_text = _("none")
    else:
        what = (
            _("stock options at a strike price of {strike}").format(
                strike=fmt.money(offer.equity_strike_price)
            )
            if equity.kind == "options"
            else _("restricted stock units (RSUs)")
        )
        equity_text = _("{units} {what}, vesting over {years} years").format(
            units=fmt.number(offer.equity_units), what=what, years=offer.vesting_years
        )
        if cliff_months:
            equity_text += _(" after a {months}-month cliff").format(months=cliff_months)
    # The grant as the recruiter's and the manager's pages state it, beside the pay table.
    equity_grant = ""
    if equity.kind != "none" and equity.units:
        kind = (
            _("stock options at a strike price of {strike}").format(
                strike=fmt.money(offer.equity_strike_price)
            )
            if equity.kind == "options"
            else _("RSUs")
        )
        equity_grant = ngettext(
            "{units} {kind}, valued at {price} a share, vesting {frequency} over {years} year",
            "{units} {kind}, valued at {price} a share, vesting {frequency} over {years} years",
            offer.vesting_years,
        ).format(
            units=fmt.number(offer.equity_units),
            kind=kind,
            price=fmt.money(offer.equity_price_per_unit),
            frequency=_(offer.vesting_frequency),
            years=fmt.number(offer.vesting_years),
        )
        if cliff_months:
            equity_grant += _(" after a {months}-month cliff").format(months=cliff_months)
    per_year = _("{amount} a year")
    pay_rows = [
        PayRow(
            "base",
            _("Base salary"),
            _("paid every year, in monthly instalments"),
            per_year.format(amount=fmt.money_whole(offer.base_salary)),
        ),
        PayRow(
            "bonus",
            _("Bonus at target"),
            _("{percent} of base salary, paid yearly when targets are met").format(
                percent=fmt.percent(offer.target_bonus_percent)
            ),
            per_year.format(amount=fmt.money_whole(package.bonus_at_target)),
        ),
        PayRow(
            "sign_on",
            _("Sign-on bonus"),
            _("paid once, with your first salary"),
            fmt.money_whole(offer.sign_on_bonus),
        ),
        PayRow(
            "equity",
            _("Equity"),
            equity_text,
            _("{amount} in year 1").format(
                amount=fmt.money_whole(years[0].equity if years else Decimal(0))
            ),
        ),
        PayRow(
            "tokens",
            _("AI token budget"),
            _("{amount} a day of AI model use for your work").format(
                amount=fmt.usd(valuation.usd_per_day if valuation else Decimal(0))
            ),
            per_year.format(amount=fmt.money_whole(figures.per_year_in_currency)),
        ),
    ]
    vesting = [
        (
            row["year"],
            fmt.number(round_money(Decimal(row["units"]), places=WHOLE)),
            fmt.money_whole(row["value"]),
        )
        for row in equity_vesting(offer)
    ]
    if equity.kind == "options":
        vesting_intro = _(
            "Each option lets you buy one share at {strike}; its value is shown at today's "
            "price of {price} a share."
        ).format(
            strike=fmt.money(offer.equity_strike_price),
            price=fmt.money(offer.equity_price_per_unit),
        )
    else:
        vesting_intro = _(
            "Each unit becomes one share, valued at today's price of {price}."
        ).format(price=fmt.money(offer.equity_price_per_unit))
    frequency = _(offer.vesting_frequency)
    if cliff_months:
        vesting_intro += " " + _(
            "Units vest {frequency}, none before the {months}-month cliff."
        ).format(frequency=frequency, months=cliff_months)
    else:
        vesting_intro += " " + _("Units vest {frequency}.").format(frequency=frequency)
    return {
        "pay_rows": pay_rows,
        "first_year_total": fmt.money_whole(package.first_year_total),
        "four_year_total": fmt.money_whole(package.four_year_total),
        # Each year's bar, its total and its parts, written for the chart (`offers/_chart.html`).
        "bars": [
            (
                bar,
                fmt.money_whole(bar.total),
                [(*segment[:4], fmt.money_whole(segment[4])) for segment in bar.segments],
            )
            for bar in charts.bars(years)
        ],
        "vesting": vesting,
        "vesting_intro": vesting_intro,
        "equity_text": equity_text,
        "equity_grant": equity_grant,
        "token": _token_block(
            offer, fmt, figures, peak_hours=peak_hours, changes_ahead=changes_ahead
        ),
    }
