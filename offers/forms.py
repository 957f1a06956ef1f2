from __future__ import annotations

import datetime
import functools
import json
import unicodedata
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.letters.sandbox import LANGUAGES, language_name
from offers.models import (
    APPROVED_TERMS,
    PRICED_TERMS,
    TERM_LABELS,
    Department,
    LetterTemplateVersion,
    Offer,
    TokenAllocation,
)
from offers.roles import HIRING_MANAGERS, person_name
from offers.services import Allocation, accept_refusal
from offers.token_line import Preview, value_offer
from pricing.models import ModelPrice
from pricing.money import CENT, WHOLE
from pricing.residency import residency_for
from pricing.services import prices_in_force
from pricing.valuation import (
    CLASSES,
    DEFAULT_PROFILE,
    PROFILES,
    TIER_LABELS,
    TIERS,
    WAITING_TIERS,
)

MODEL_SLOTS = 3
# Left blank, the working day takes the model's defaults (09:00 to 17:00).
WORKING_DAY: dict[str, Any] = {
    name: Offer._meta.get_field(name).default  # type: ignore[union-attr]
    for name in ("work_starts", "work_ends")
}
MONEY_FIELDS = ["base_salary", "sign_on_bonus", "token_usd_per_day", "equity_price_per_unit"]
# Above these an amount is a typing slip, not an offer (in the offer's currency, or USD a day).
CEILINGS: dict[str, Decimal] = {
    "base_salary": Decimal("1000000000"),
    "sign_on_bonus": Decimal("1000000000"),
    "equity_price_per_unit": Decimal("1000000"),
    "equity_strike_price": Decimal("1000000"),
    "token_usd_per_day": Decimal("100000"),
    "usd_exchange_rate": Decimal("100000"),
}
WHOLE_CEILINGS = {"equity_units": 1_000_000_000, "token_tokens_per_day": 1_000_000_000_000}
TEXT_FIELDS = ["candidate_name", "role_title", "level", "location", "internal_notes"]
# Characters no name or title needs, which can disguise what a person reads: controls (a bell,
# a backspace, an escape) and the bidirectional embeddings, overrides and isolates.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
MAX_OPEN_DAYS = 366
MAX_START_DAYS = 2 * 366


def clean_text(value: str, *, multiline: bool) -> str:
    """NFC-normalised text, or ValidationError for control and bidirectional characters."""
    text = unicodedata.normalize("NFC", value)
    allowed = {"\n", "\r", "\t"} if multiline else set()
    bad = sorted(
        {
            c
            for c in text
            if (unicodedata.category(c) == "Cc" and c not in allowed) or c in BIDI_CONTROLS
        }
    )
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise forms.ValidationError(
            f"Remove the invisible control characters ({codes}): they can disguise the text."
        )
    return text


def over_ceiling(data: dict[str, Any]) -> dict[str, str]:
    """The fields of `data` past their ceiling (`CEILINGS`, `WHOLE_CEILINGS`), each with its
    refusal in the active language: the builder's bounds, and those of a candidate's request."""
    refusals = {}
    bounds: list[tuple[dict[str, Decimal] | dict[str, int], Any]] = [
        (CEILINGS, gettext_lazy("That is more than {ceiling}: check the amount.")),
        (WHOLE_CEILINGS, gettext_lazy("That is more than {ceiling}: check the number.")),
    ]
    for ceilings, words in bounds:
        for name, ceiling in ceilings.items():
            value = data.get(name)
            if value is not None and value > ceiling:
                refusals[name] = str(words).format(ceiling=f"{ceiling:,}")
    return refusals


def start_date_refusal(start: datetime.date) -> str | None:
    """Why a start date cannot be offered (in the past, more than two years ahead), or None."""
    today = timezone.localdate()
    if start < today:
        return _("The start date is in the past.")
    if (start - today).days > MAX_START_DAYS:
        return _("The start date is more than two years ahead.")
    return None


def as_typed(value: Decimal) -> str:
    """A stored amount as a person would type it: 245000, 42.50, 0.79, not 42.5000."""
    for places in (WHOLE, CENT):
        if value == value.quantize(places):
            return format(value.quantize(places), "f")
    return format(value.normalize(), "f")


def _template_versions() -> QuerySet[LetterTemplateVersion]:
    """Template versions, each marked whether it is its template's newest, in the builder's
    order (not run here: the form filters it)."""
    newer = LetterTemplateVersion.objects.filter(
        template=OuterRef("template"), number__gt=OuterRef("number")
    )
    return (
        LetterTemplateVersion.objects.select_related("template")
        .annotate(newest=~Exists(newer))
        .order_by("template__name", "-number")
    )


def departments_for(builder: Any, offer: Offer) -> QuerySet[Department]:
    """Where a recruiter may put an offer: the departments they are assigned to (and the one the
    offer is in); a recruiter assigned to none recruits for every department, as a small team
    does. A superuser, or no builder (the API reading an offer's values), any."""
    everything = Department.objects.all()
    if builder is None or builder.is_superuser:
        return everything
    assigned = Department.recruiters.through.objects.filter(user_id=builder.pk)
    return everything.filter(
        Q(recruiters=builder) | Q(pk=offer.department_id) | ~Exists(assigned)
    ).distinct()


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [("", "From the location (UTC if it names no city we know)")] + [
        (zone, zone) for zone in time_zone_names()
    ]


@functools.cache
def time_zone_names() -> list[str]:
    """IANA zones, the legacy aliases left out."""
    return sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith("Etc")
    )


class OfferForm(forms.ModelForm):  # type: ignore[type-arg]
    """Validates an offer and its token models; persisting is the services' job."""

    # Some 600 zones: given as a function, so that each form (one a keystroke) copies the field
    # without them and reads them only to validate or draw the menu.
    time_zone = forms.ChoiceField(
        required=False,
        label=TERM_LABELS["time_zone"],
        choices=time_zone_choices,
        help_text="models priced by time of day are valued over these working hours",
    )

    class Meta:
        model = Offer
        # Every approved term, and the notes, which are not one.
        fields = [*APPROVED_TERMS, "letter_language", "internal_notes"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "work_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = TERM_LABELS

    def __init__(self, *args: Any, builder: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.builder_id = getattr(builder, "pk", None)
        self.fields["hiring_manager"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(groups__name=HIRING_MANAGERS, is_active=True)
        )
        self.fields["department"].queryset = departments_for(builder, self.instance)  # type: ignore[attr-defined]
        self._letter_template_field()
        # Managers by name, as every other page shows them.
        self.fields["hiring_manager"].label_from_instance = person_name  # type: ignore[attr-defined]
        for name in CLASSES:
            mix_field = self.fields[f"token_mix_{name}"]
            mix_field.required = False
            mix_field.widget.attrs["data-mix"] = name
        self.fields["token_profile"].widget.attrs["data-presets"] = json.dumps(
            {key: {k: str(v) for k, v in p.mix.percent().items()} for key, p in PROFILES.items()}
        )
        for name, default in WORKING_DAY.items():
            self.fields[name].required = False
            self.fields[name].help_text = f"blank: {default:%H:%M}"
        self.in_force = prices_in_force()
        self.snapshot = self.in_force.snapshot
        existing = list(self.instance.allocations.all()) if self.instance.pk else []
        # A model the offer already uses stays valid even once deprecated (the page says so).
        self.existing_models = {a.model_id for a in existing}
        for slot in range(1, MODEL_SLOTS + 1):
            current = existing[slot - 1] if len(existing) >= slot else None
            self.fields[f"model_{slot}"] = forms.CharField(
                required=False,
                label=f"Model {slot}",
                initial=current.model_id if current else "",
                widget=forms.TextInput(
                    attrs={"list": "model-options", "autocomplete": "off", "class": "model-pick"}
                ),
            )
            self.fields[f"tier_{slot}"] = forms.ChoiceField(
                required=False,
                label=f"Service tier of model {slot}",
                choices=[(tier, TIER_LABELS[tier].capitalize()) for tier in TIERS],
                initial=current.tier if current else "standard",
            )
            self.fields[f"long_{slot}"] = forms.DecimalField(
                required=False,
                label=f"Long requests of model {slot} (% of tokens)",
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                initial=as_typed(current.long_context_percent) if current else "",
                help_text="tokens sent in requests above the model's long-context threshold; "
                "blank: the usage profile's estimate for the model",
            )
            self.fields[f"region_{slot}"] = forms.BooleanField(
                required=False,
                label=f"Regional processing for model {slot}",
                initial=current.regional if current else False,
                help_text="data residency, at its maker's published uplift (Anthropic: US-only "
                "inference; OpenAI: data-residency endpoints; both +10%)",
            )
            self.fields[f"share_{slot}"] = forms.DecimalField(
                required=False,
                label=f"Share of model {slot} (%)",
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                initial=as_typed(current.share_percent)
                if current
                else ("100" if slot == 1 else None),
            )
        for name, value in self.initial.items():
            if isinstance(value, Decimal):
                # Shares of tokens read 6.5, not 6.50; amounts keep their cents (42.50).
                self.initial[name] = (
                    format(value.normalize(), "f")
                    if name.startswith("token_mix_")
                    else as_typed(value)
                )
        self.allocations: list[Allocation] = []
        self.known_prices: dict[str, ModelPrice] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.warnings: list[str] = []
        for name in TEXT_FIELDS:
            if isinstance(data.get(name), str):
                try:
                    data[name] = clean_text(data[name], multiline=name == "internal_notes")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        for name, refusal in over_ceiling(data).items():
            self.add_error(name, refusal)
        self._clean_dates(data)
        for name, default in WORKING_DAY.items():
            if name not in self.errors and data.get(name) is None:
                data[name] = default
        if data.get("work_starts") and data.get("work_starts") == data.get("work_ends"):
            self.add_error("work_ends", "The working day must end at another time than it starts.")
        working_days = data.get("working_days")
        if working_days is not None:
            if not 1 <= working_days <= 366:
                self.add_error("working_days", "Working days per year are between 1 and 366.")
            elif not 200 <= working_days <= 260:
                self.warnings.append(
                    f"{working_days} working days a year is unusual (most jobs have 200 to 260)."
                )
        if (data.get("vesting_years") or 0) > 10:
            self.add_error("vesting_years", "Vesting over more than 10 years is not offered.")
        builders = {self.builder_id, self.instance.created_by_id if self.instance.pk else None}
        manager = data.get("hiring_manager")
        if manager is not None and manager.pk in builders - {None}:
            self.add_error(
                "hiring_manager",
                "You build this offer, so someone else must be its hiring manager and approve it.",
            )
        for name in MONEY_FIELDS + ["target_bonus_percent", "usd_exchange_rate"]:
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Must be zero or more.")
        if data.get("base_salary") is not None and data["base_salary"] <= 0:
            self.add_error("base_salary", "Base salary must be more than zero.")
        bonus = data.get("target_bonus_percent")
        if bonus is not None and bonus > 200:
            self.add_error(
                "target_bonus_percent", "A target bonus over 200% of base is not allowed."
            )
        rate = data.get("usd_exchange_rate")
        if rate is not None and rate <= 0:
            self.add_error("usd_exchange_rate", "The exchange rate must be more than zero.")
        if data.get("currency") == "USD" and rate is not None and rate != 1:
            self.add_error("usd_exchange_rate", "An offer in USD has an exchange rate of 1.")
        if data.get("equity_type") == "options" and not data.get("equity_strike_price"):
            self.add_error("equity_strike_price", "Stock options need a strike price.")
        if data.get("equity_type") in {"rsu", "options"}:
            if not data.get("equity_units"):
                self.add_error("equity_units", "Give the number of units granted.")
            if (data.get("cliff_months") or 0) > (data.get("vesting_years") or 0) * 12:
                self.add_error("cliff_months", "The cliff is longer than the vesting period.")
        if data.get("equity_type") in {"rsu", "options"} and data.get("vesting_years") == 0:
            self.add_error("vesting_years", "Equity must vest over at least one year.")
        self._clean_usage_mix(data)
        self._clean_token_models(data)
        return data

    def _clean_dates(self, data: dict[str, Any]) -> None:
        today = timezone.localdate()
        expires, start = data.get("expires_on"), data.get("start_date")
        if expires is not None:
            if expires <= today:
                self.add_error("expires_on", "The offer must stay open at least until tomorrow.")
            elif (expires - today).days > MAX_OPEN_DAYS:
                self.add_error("expires_on", "An offer stays open a year at most.")
        if start is not None and (refusal := start_date_refusal(start)):
            self.add_error("start_date", refusal)
        if start is not None and expires is not None and today <= start < expires:
            self.warnings.append(
                "The start date comes before the offer expires: the candidate may not have "
                "answered by then."
            )

    def _clean_usage_mix(self, data: dict[str, Any]) -> None:
        """Blank shares take the preset's; given ones must all be there and add up to 100%."""
        profile = PROFILES.get(data.get("token_profile") or DEFAULT_PROFILE)
        if profile is None:
            return
        preset = profile.mix.percent()
        given = {name: data.get(f"token_mix_{name}") for name in CLASSES}
        if all(value is None for value in given.values()):
            for name in CLASSES:
                data[f"token_mix_{name}"] = preset[name]
            return
        for name, value in given.items():
            if value is None:
                self.add_error(f"token_mix_{name}", "Give every share, or none for the preset.")
            elif not 0 <= value <= 100:
                self.add_error(f"token_mix_{name}", "A share is between 0% and 100%.")
        if all(value is not None for value in given.values()):
            total = sum((v for v in given.values() if v is not None), Decimal(0))
            if total != 100:
                self.add_error(
                    "token_mix_fresh_input",
                    f"The usage shares must add up to 100%, not {as_typed(total)}%.",
                )

    def _clean_token_models(self, data: dict[str, Any]) -> None:
        chosen = []
        for slot in range(1, MODEL_SLOTS + 1):
            model_id = (data.get(f"model_{slot}") or "").strip()
            share = data.get(f"share_{slot}")
            if not model_id:
                if share:
                    self.add_error(f"model_{slot}", "Choose a model for this share.")
                continue
            chosen.append((slot, model_id, share))
        budget = data.get("token_usd_per_day") or data.get("token_tokens_per_day")
        if not chosen and budget:
            self.add_error("model_1", "Choose a model for the token budget.")
        if self.snapshot is None:
            if chosen:
                self.add_error("model_1", "No model prices yet: ask an operator to refresh prices.")
            return
        known = {
            price.model_id: price
            for price in ModelPrice.objects.filter(
                snapshot=self.snapshot, model_id__in=[model_id for _, model_id, _ in chosen]
            )
        }
        profile = PROFILES.get(data.get("token_profile") or "")
        for slot, model_id, share in chosen:
            if model_id not in known:
                self.add_error(f"model_{slot}", f"Unknown model “{model_id}” in today’s prices.")
            elif known[model_id].is_deprecated() and model_id not in self.existing_models:
                self.add_error(
                    f"model_{slot}",
                    f"{known[model_id].display_name} is deprecated by its maker: choose another.",
                )
            else:
                tier = data.get(f"tier_{slot}") or "standard"
                offered = known[model_id].rates(on=timezone.localdate()).tiers
                if tier not in offered:
                    self.add_error(
                        f"tier_{slot}",
                        f"{known[model_id].display_name} has no {tier} prices in today's prices "
                        f"(it has {', '.join(t for t in TIERS if t in offered)}).",
                    )
                elif data.get(f"region_{slot}") and residency_for(model_id) is None:
                    self.add_error(
                        f"region_{slot}",
                        f"{known[model_id].display_name}'s maker publishes no price for "
                        "regional processing: it cannot be valued with one.",
                    )
                elif profile is not None and profile.interactive and tier in WAITING_TIERS:
                    self.add_error(
                        f"tier_{slot}",
                        f"The {tier} tier is for work that can wait ({WAITING_TIERS[tier]}), "
                        f"not for {profile.label.lower()}, where someone waits for each answer: "
                        "choose standard or priority, or the batch processing usage profile.",
                    )
            if share is None or share <= 0:
                self.add_error(f"share_{slot}", "Give this model a share above 0%.")
        if data.get("token_budget_unit") == "tokens" and len(chosen) > 1:
            self.add_error("model_2", "A budget in tokens per day is for one model only.")
        shares = [share for _, _, share in chosen if share is not None]
        if chosen and len(shares) == len(chosen) and sum(shares) != 100:
            self.add_error(
                f"share_{chosen[0][0]}", f"Model shares must sum to 100%, not {sum(shares)}%."
            )
        self.known_prices = known
        for slot, model_id, _share in chosen:
            if data.get(f"long_{slot}") is None and model_id in known:
                data[f"long_{slot}"] = (
                    profile.long_request_estimate(known[model_id].long_context_threshold)
                    if profile
                    else Decimal(0)
                )
        self.allocations = [
            Allocation(
                model_id=model_id,
                display_name=known[model_id].display_name,
                share_percent=share or Decimal(100),
                tier=data.get(f"tier_{slot}") or "standard",
                long_context_percent=data.get(f"long_{slot}") or Decimal(0),
                regional=bool(data.get(f"region_{slot}")),
            )
            for slot, model_id, share in chosen
            if model_id in known
        ]

    def _get_validation_exclusions(self):  # type: ignore[no-untyped-def]
        # The choice fields have already checked these against narrower querysets; the model's
        # own check would query each again on every keystroke of the live totals.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]
        return exclusions | {"department", "hiring_manager"}

    def _letter_template_field(self) -> None:
        """The newest version of each template in use, and the version the offer has (kept
        until the recruiter picks another); blank lets the rules choose. Nothing is read
        from the database here: the live totals build this form on every keystroke and never
        show the field."""
        offer = self.instance if self.instance.pk else None
        pinned = offer.letter_template_version_id if offer else None
        current = Q(template__active=True, newest=True)
        self.fields["letter_language"] = forms.ChoiceField(
            required=False,
            label="Letter language",
            choices=[("", "Any (the template's)"), *LANGUAGES],
            help_text="The rules pick a template written in the candidate's language.",
        )
        field = self.fields["letter_template_version"]
        field.queryset = _template_versions().filter(  # type: ignore[attr-defined]
            current | Q(pk=pinned) if pinned else current
        )
        field.required = False

        def empty_label() -> str:
            if offer is not None and offer.letter_template_by_rules:
                ruled = offer.letter_template_version
                if ruled is not None:
                    return f"By the rules — now {ruled}"
            return "By the rules"

        field.empty_label = lazy(empty_label, str)()  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: (  # type: ignore[attr-defined]
            f"{v.template.name}, version {v.number} ({language_name(v.language)})"
            + ("" if v.newest and v.template.active else " — as this offer has it; not the newest")
        )
        field.help_text = (
            "The letter's wording. The rules pick it by department, location, level and "
            "language; a new version of a template reaches this offer only when picked here "
            "(an approved offer then needs approval again)."
        )
        if offer is not None and offer.letter_template_by_rules and not self.is_bound:
            self.initial["letter_template_version"] = None

    def offer_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def preview(self) -> Preview | None:
        """The offer as typed, unsaved, and its figures valued with today's prices, for the
        live totals.

        Every figure the typed pay and token fields allow: a recruiter tries packages before
        they know the candidate's email or the dates. None while a figure field is wrong.
        """
        offer = self.instance
        slots = ("model_", "share_", "tier_", "long_", "region_")
        if any(name in self.errors for name in PRICED_TERMS) or any(
            name.startswith(slots) for name in self.errors
        ):
            return None
        if offer.base_salary is None:
            return None
        # Valued as a save would value it: today's snapshot, as in force today.
        offer.price_snapshot = self.snapshot
        offer.token_priced_on = timezone.localdate()
        allocations = [
            TokenAllocation(
                model_id=a.model_id,
                display_name=a.display_name,
                share_percent=a.share_percent,
                tier=a.tier,
                long_context_percent=a.long_context_percent,
                regional=a.regional,
            )
            for a in self.allocations
        ]
        # The prices validation fetched: no second query.
        figures = value_offer(offer, prices=self.known_prices, allocations=allocations)
        return Preview(offer=offer, figures=figures)


class OfferFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search candidate")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Offer.Status.choices])


class AnswerForm(forms.Form):
    """The candidate's answer on their page: accept (the box ticked, their own name typed) or
    decline (with a reason if they like), then the same again with `final=yes` to make it.
    Validated once; an acceptance is refused in the services' own words (`accept_refusal`)."""

    CHOOSE = gettext_lazy("Choose to accept or to decline.")
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("decline", "Decline")],
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )
    full_name = forms.CharField(required=False)
    confirm = forms.CharField(required=False)  # "yes" when the box is ticked
    reason = forms.CharField(required=False, strip=False)
    final = forms.CharField(required=False)  # "yes" from the confirmation page

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer

    def clean_confirm(self) -> bool:
        return self.cleaned_data["confirm"] == "yes"

    def clean_final(self) -> bool:
        return self.cleaned_data["final"] == "yes"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "accept":
            refusal = accept_refusal(
                offer=self.offer,
                full_name=data.get("full_name", ""),
                confirmed=data.get("confirm", False),
            )
            if refusal:
                raise forms.ValidationError(refusal)
        return data

    def refusal(self) -> str:
        """The reason the answer is refused, as the page says it."""
        errors = self.errors.get("decision") or self.non_field_errors()
        return str(errors[0]) if errors else str(self.CHOOSE)

    def typed(self) -> dict[str, Any]:
        """What the candidate typed, to show it again (on the page or the confirmation)."""
        return {
            "decision": self.data.get("decision"),
            "full_name": self.data.get("full_name", ""),
            "confirmed": self.data.get("confirm") == "yes",
            "reason": self.data.get("reason", ""),
        }


class ChangeRequestForm(forms.Form):
    """The candidate's request for a change (issue 38): each term optional, within the builder's
    own bounds; refusals name the field, in the candidate's language."""

    BUDGET_UNITS = [
        ("usd", gettext_lazy("US dollars a day")),
        ("tokens", gettext_lazy("tokens a day")),
    ]
    token_unit = forms.ChoiceField(choices=BUDGET_UNITS, required=False, initial="usd")
    token_usd_per_day = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        label=gettext_lazy("AI token budget (US dollars a day)"),
    )
    token_tokens_per_day = forms.IntegerField(
        required=False, min_value=1, label=gettext_lazy("AI token budget (tokens a day)")
    )
    token_model = forms.ChoiceField(required=False, label=gettext_lazy("Model"))
    base_salary = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        label=gettext_lazy("Base salary (a year)"),
    )
    sign_on_bonus = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        label=gettext_lazy("Sign-on bonus"),
    )
    equity_units = forms.IntegerField(
        required=False, min_value=0, label=gettext_lazy("Equity units")
    )
    start_date = forms.DateField(
        required=False,
        label=gettext_lazy("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        strip=True,
        label=gettext_lazy("Your message"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["token_model"].choices = [  # type: ignore[attr-defined]
            (a.model_id, a.display_name) for a in offer.allocations.all()
        ]

    def clean_message(self) -> str:
        return clean_text(self.cleaned_data["message"], multiline=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, refusal in over_ceiling(data).items():
            self.add_error(name, refusal)
        if data.get("token_unit") == "tokens":
            data["token_usd_per_day"] = None
            if data.get("token_tokens_per_day") and not data.get("token_model"):
                self.add_error("token_model", _("Choose the model the tokens are for."))
        else:
            data["token_tokens_per_day"] = None
        start = data.get("start_date")
        if start is not None and (late := start_date_refusal(start)):
            self.add_error("start_date", late)
        if data.get("equity_units") is not None and self.offer.equity_type == "none":
            self.add_error(
                "equity_units",
                _("This offer has no equity grant: say what you would like in your message."),
            )
        asked = [
            data.get(name) is not None
            for name in [
                "token_usd_per_day",
                "token_tokens_per_day",
                "base_salary",
                "sign_on_bonus",
                "equity_units",
                "start_date",
            ]
        ]
        if not self.errors and not any(asked) and not data.get("message"):
            raise forms.ValidationError(_("Ask for at least one change, or write a message."))
        return data

    def refusals(self) -> list[str]:
        """Each refusal, naming its field: "Start date: the start date is in the past."."""
        found = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            for error in errors:
                found.append(f"{label}: {error}" if label else str(error))
        return found
