"""The offers in the admin: the list, the review page, the decision, personal data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from offers.admin.site import awaiting, can_approve_anything
from offers.figures import figures_context
from offers.letters.format import format_money
from offers.models import (
    Offer,
    OfferEvent,
    TokenAllocation,
    search_form,
)
from offers.roles import person_name
from offers.services import (
    OfferError,
    decision_refusal,
    offer_approve,
    offer_reject,
)
from pricing.money import WHOLE
from pricing.services import prices_in_force

Status = Offer.Status
method_decorator_require_post = method_decorator(require_POST)
APPROVAL_ACTIONS = {"approve_selected", "reject_selected"}


ALLOCATION_FIELDS = (
    "model_id",
    "display_name",
    "share_percent",
    "tier",
    "long_context_percent",
    "regional",
)


class TokenAllocationInline(admin.TabularInline):
    model = TokenAllocation
    extra = 0
    can_delete = False
    fields = ALLOCATION_FIELDS
    readonly_fields = ALLOCATION_FIELDS

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Part of the offer: whoever may read the offer reads these.
        return request.user.has_perm("offers.view_offer")


class OfferEventInline(admin.TabularInline):
    model = OfferEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]
    fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Part of the offer: whoever may read the offer reads these.
        return request.user.has_perm("offers.view_offer")


class AwaitingFilter(admin.SimpleListFilter):
    title = "whose turn"
    parameter_name = "awaiting"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "Awaiting my approval"), ("any", "All my offers")]

    def choices(self, changelist: Any):  # type: ignore[no-untyped-def]
        # No "All" entry of its own: the list opens on "awaiting my approval".
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Offer]) -> QuerySet[Offer]:
        if self.value() == "me":
            return queryset.filter(awaiting(request.user))
        return queryset


class BreaksRuleFilter(admin.SimpleListFilter):
    title = "breaks a rule"
    parameter_name = "breaks_rule"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Offer]) -> QuerySet[Offer]:
        if self.value() == "yes":
            return queryset.exclude(rule_breaks=[])
        if self.value() == "no":
            return queryset.filter(rule_breaks=[])
        return queryset


class DecisionForm(forms.Form):
    """The review page's decision; whether it may be made is the services' to say (a note to
    reject, the version the manager read, who may decide)."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(required=False, max_length=2000, strip=False)
    version = forms.CharField(required=False)  # the version the page showed

    def clean_version(self) -> int | None:
        """The version read, or None (no check) when the page sent none a number."""
        try:
            return int(self.cleaned_data["version"])
        except ValueError:
            return None


class PersonalDataForm(forms.Form):
    email = forms.EmailField(required=False, label="Candidate's email")
    offer = forms.IntegerField(required=False, min_value=1, label="Offer number (legal holds)")
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """The hiring managers' side: read the figures, approve or reject."""

    list_display = [
        "candidate_name",
        "role_title",
        "status",
        "first_year_total",
        "token_budget_per_day",
        "submitted",
    ]
    list_filter = [AwaitingFilter, "status", "department", BreaksRuleFilter]
    list_per_page = 25
    search_fields = ["candidate_name", "candidate_email", "role_title"]
    search_help_text = "Candidate, email or role; case and accents do not matter."

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        """Every word must match, ignoring case and accents ("zoe" finds "Zoë") on any database."""
        for word in search_form(search_term).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset, False

    list_select_related = ["department", "submitted_by", "price_snapshot"]
    ordering = ["-submitted_at", "-pk"]
    actions = ["approve_selected", "reject_selected"]
    view_on_site = False  # the offer page is the recruiters'
    inlines = [TokenAllocationInline, OfferEventInline]
    fieldsets = [
        (
            "Candidate and role",
            {
                "fields": [
                    ("candidate_name", "candidate_email"),
                    ("role_title", "level"),
                    ("department", "location"),
                    ("hiring_manager", "status", "version"),
                    ("start_date", "expires_on"),
                    ("time_zone", "work_starts", "work_ends"),
                    "letter_template_version",
                ]
            },
        ),
        (
            "Approval",
            {
                "fields": [
                    ("submitted_by", "submitted_at"),
                    ("approved_by", "approved_at"),
                    ("exception_approved_by", "exception_approved_at"),
                    ("created_by", "created_at"),
                ]
            },
        ),
        ("Internal notes", {"fields": ["internal_notes"]}),
    ]

    @admin.display(description="First-year total")
    def first_year_total(self, offer: Offer) -> str:
        return format_money(offer.listed_first_year_total, offer.currency, places=WHOLE)

    @admin.display(description="Token budget per day")
    def token_budget_per_day(self, offer: Offer) -> str:
        return format_money(offer.listed_token_usd_per_day, "USD")

    @admin.display(description="Submitted", ordering="submitted_at")
    def submitted(self, offer: Offer) -> str:
        if offer.submitted_at is None:
            return "—"
        when = date_format(timezone.localtime(offer.submitted_at), "j M Y, H:i")
        person = offer.submitted_by
        who = person_name(person)
        return f"{when} by {who}" if who else when

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offer]:
        # What the list never shows stays in the database (the change page loads it all).
        offers = (
            super()
            .get_queryset(request)
            .select_related("submitted_by")
            .defer("approved_figures", "internal_notes", "search_text")
        )
        user = request.user
        if user.is_superuser:
            return offers
        visible = Q(hiring_manager=user)
        if user.has_perm("offers.approve_exceptions"):
            visible |= ~Q(rule_breaks=[]) | Q(approved_by=user) | Q(exception_approved_by=user)
        return offers.filter(visible)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Figures change through the recruiter's builder, where every change is audited.
        return [field.name for field in Offer._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return can_approve_anything(request.user)

    # The changelist ---------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}?awaiting=me")
        posted_action = request.POST.get("action") if request.method == "POST" else None
        if posted_action in APPROVAL_ACTIONS and not self.has_approve_permission(request):
            raise PermissionDenied
        awaiting_me = request.GET.get("awaiting") == "me"
        extra_context = {
            **(extra_context or {}),
            "title": "Offers awaiting your approval" if awaiting_me else "Offers",
        }
        return super().changelist_view(request, extra_context)

    def _decide_many(
        self, request: HttpRequest, offers: QuerySet[Offer], decide: Any, verb: str
    ) -> None:
        done, refused = 0, []
        for offer in offers:
            try:
                decide(offer)
                done += 1
            except OfferError as error:
                refused.append(f"{offer.candidate_name}: {error}")
        if done:
            self.message_user(request, f"{verb.capitalize()} {done} offer(s).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not {verb}: {reason}", messages.ERROR)

    @admin.action(description="Approve the selected offers", permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Offer]) -> None:
        self._decide_many(
            request,
            queryset,
            lambda offer: offer_approve(offer=offer, by=request.user),  # type: ignore[arg-type]
            "approved",
        )

    @admin.action(description="Reject the selected offers…", permissions=["approve"])
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Offer]
    ) -> HttpResponse | None:
        note = request.POST.get("note", "").strip()
        if "confirm" in request.POST and note:
            self._decide_many(
                request,
                queryset,
                lambda offer: offer_reject(offer=offer, by=request.user, note=note),  # type: ignore[arg-type]
                "rejected",
            )
            return None
        # Rejecting needs a note: ask for it on a page of its own.
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject offers",
            "offers": queryset,
            "opts": self.model._meta,
            "action": "reject_selected",
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "note_missing": "confirm" in request.POST,
        }
        return TemplateResponse(request, "admin/offers/offer/reject_selected.html", context)

    # The change page --------------------------------------------------------------------------

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "personal-data/",
                self.admin_site.admin_view(self.personal_data_view),
                name="offers_offer_personal_data",
            ),
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="offers_offer_decide",
            ),
            *super().get_urls(),
        ]

    def personal_data_view(self, request: HttpRequest) -> HttpResponse:
        """The People team's page for one person's data: export it, erase it, or hold an
        offer's data for legal reasons (offers.services.personal_data)."""
        from offers.services.personal_data import (
            candidate_erase,
            candidate_export,
            export_filename,
            legal_hold_release,
            legal_hold_set,
        )

        if not request.user.has_perm("offers.manage_personal_data"):
            raise PermissionDenied("You may not manage candidates' personal data.")
        form = PersonalDataForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data, what = form.cleaned_data, request.POST.get("do", "")
            try:
                if what == "export":
                    response = HttpResponse(
                        candidate_export(email=data["email"]), content_type="application/zip"
                    )
                    name = export_filename(data["email"])
                    response["Content-Disposition"] = f'attachment; filename="{name}"'
                    return response
                if what == "erase":
                    erased = candidate_erase(
                        email=data["email"],
                        reason=data["reason"],
                        by=request.user,  # type: ignore[arg-type]
                    )
                    messages.success(request, f"Erased from {len(erased)} offer(s).")
                elif what in {"hold", "release"}:
                    offer = Offer.objects.filter(pk=data["offer"]).first()
                    if offer is None:
                        raise OfferError("No offer with that number.")
                    by = request.user
                    if what == "hold":
                        legal_hold_set(offer=offer, reason=data["reason"], by=by)  # type: ignore[arg-type]
                        messages.success(request, f"Offer {offer.pk} is under a legal hold.")
                    else:
                        legal_hold_release(offer=offer, by=by)  # type: ignore[arg-type]
                        messages.success(request, f"Offer {offer.pk}: legal hold released.")
                else:
                    raise OfferError("Choose what to do.")
            except OfferError as error:
                messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:offers_offer_personal_data"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Candidates' personal data",
            "form": form,
            "held": Offer.objects.filter(legal_hold=True).order_by("pk"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/offers/offer/personal_data.html", context)

    def render_change_form(  # type: ignore[no-untyped-def]
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        # The admin has loaded the offer already; add what the review panel shows.
        if obj is not None:
            context.update(
                figures_context(obj, obj.figures),
                offer=obj,
                in_force=prices_in_force(),
                changes_since_approval=(changes := obj.changes_since_approval()),
                any_change=any(changed for *_, changed in changes),
                refusal=decision_refusal(offer=obj, by=request.user),
                can_decide=self.has_approve_permission(request),
                is_awaiting=obj.is_awaiting,
                change_review=change_review_shown(obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator_require_post
    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_approve_permission(request):
            raise PermissionDenied
        offer = self.get_queryset(request).filter(pk=object_id).first()
        if offer is None:
            raise Http404("No such offer among yours.")
        change_url = reverse("admin:offers_offer_change", args=[offer.pk])
        form = DecisionForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Choose approve or reject.", messages.ERROR)
            return redirect(change_url)
        note, version = form.cleaned_data["note"], form.cleaned_data["version"]
        by: Any = request.user
        try:
            if form.cleaned_data["decision"] == "approve":
                offer = offer_approve(offer=offer, by=by, note=note, expected_version=version)
                self.message_user(
                    request,
                    f"Approved the offer for {offer.candidate_name}; it is outside an exception "
                    "rule, so it now awaits an exception approver."
                    if offer.awaits_exceptions
                    else f"Approved the offer for {offer.candidate_name}.",
                    messages.SUCCESS,
                )
            else:
                offer = offer_reject(offer=offer, by=by, note=note, expected_version=version)
                self.message_user(
                    request, f"Rejected the offer for {offer.candidate_name}.", messages.SUCCESS
                )
        except OfferError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(change_url)
        return redirect(reverse("admin:offers_offer_changelist") + "?awaiting=me")


def change_review_shown(offer: Offer) -> Any:
    """The candidate's request behind an amended offer, beside the figures the approver
    approves (issue 38); or an open one. Reading it here marks nothing as seen."""
    from offers.services import changes

    request = changes.request_under_review(offer)
    return changes.review(request) if request else None
