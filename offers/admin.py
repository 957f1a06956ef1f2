from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from offers import lifecycle
from offers.figures import figures_context
from offers.letters import sandbox as letter_templates
from offers.letters.format import format_money
from offers.letters.sandbox import language_name
from offers.models import (
    ApprovalPolicy,
    Department,
    LetterTemplate,
    LetterTemplateVersion,
    Offer,
    OfferEvent,
    SalaryBand,
    TemplatePreview,
    TokenAllocation,
    search_form,
)
from offers.services import (
    OfferError,
    decision_refusal,
    offer_approve,
    offer_reject,
    preview_request,
    template_version_save,
)
from offers.services.templates import VERSION_FIELDS
from pricing.money import WHOLE
from pricing.services import prices_in_force

Status = Offer.Status
method_decorator_require_post = method_decorator(require_POST)
APPROVAL_ACTIONS = {"approve_selected", "reject_selected"}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["recruiters"]


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


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "max_token_usd_per_day", "max_token_share_of_base_percent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One set of rules: edit it rather than add a second.
        return super().has_add_permission(request) and not ApprovalPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SalaryBand)
class SalaryBandAdmin(admin.ModelAdmin):
    list_display = ["level", "currency", "min_base", "max_base"]
    list_filter = ["currency"]
    search_fields = ["level"]


def can_approve_anything(user: Any) -> bool:
    return bool(user.has_perm("offers.approve_offer") or user.has_perm("offers.approve_exceptions"))


def awaiting_list(user: Any) -> list[Offer]:
    """What awaits this person, oldest first, with the figures the admin home shows."""
    return list(
        Offer.objects.filter(awaiting(user))
        .exclude(created_by=user)
        .exclude(submitted_by=user)
        .order_by("submitted_at", "pk")[:50]
    )


def admin_index(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
    """The admin home leads with the offers awaiting this person's decision."""
    from signing.certificates import company
    from signing.models import Signature

    signer = company()
    context = {
        **(extra_context or {}),
        "awaiting_offers": awaiting_list(request.user),
        "signing_state": "off" if signer is None else "test" if signer.is_test else "on",
        "signing_subject": signer.subject if signer else "",
    }
    if request.user.has_perm("signing.countersign_offer"):
        context["to_countersign"] = Signature.objects.filter(state=Signature.State.SEALED).count()
    return admin.AdminSite.index(admin.site, request, context)


admin.site.index = admin_index  # type: ignore[method-assign]
# Recruiters use the app; people in the admin approve. "View site" would be a 403 for them.
admin.site.site_url = None  # type: ignore[assignment]


def awaiting(user: Any) -> Q:
    """Offers waiting for this person's decision."""
    if user.is_superuser:
        return Q(status__in=lifecycle.AWAITING)
    mine = Q(status__in=lifecycle.MOVES["approve"].sources, hiring_manager=user)
    if user.has_perm("offers.approve_exceptions"):
        mine |= Q(status__in=lifecycle.MOVES["approve_exceptions"].sources) & ~Q(approved_by=user)
    return mine


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
        who = (person.get_full_name() or person.get_username()) if person else ""
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
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _version(request: HttpRequest) -> int | None:
        try:
            return int(request.POST["version"])
        except (KeyError, ValueError):
            return None

    @method_decorator_require_post
    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_approve_permission(request):
            raise PermissionDenied
        offer = self.get_queryset(request).filter(pk=object_id).first()
        if offer is None:
            raise Http404("No such offer among yours.")
        change_url = reverse("admin:offers_offer_change", args=[offer.pk])
        decision, note = request.POST.get("decision"), request.POST.get("note", "")
        try:
            if decision == "approve":
                offer = offer_approve(
                    offer=offer,
                    by=request.user,  # type: ignore[arg-type]
                    note=note,
                    expected_version=self._version(request),
                )
                if offer.awaits_exceptions:
                    self.message_user(
                        request,
                        f"Approved the offer for {offer.candidate_name}; it is outside an "
                        "exception rule, so it now awaits an exception approver.",
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request, f"Approved the offer for {offer.candidate_name}.", messages.SUCCESS
                    )
            elif decision == "reject":
                offer = offer_reject(
                    offer=offer,
                    by=request.user,  # type: ignore[arg-type]
                    note=note,
                    expected_version=self._version(request),
                )
                self.message_user(
                    request, f"Rejected the offer for {offer.candidate_name}.", messages.SUCCESS
                )
            else:
                self.message_user(request, "Choose approve or reject.", messages.ERROR)
                return redirect(change_url)
        except OfferError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(change_url)
        return redirect(reverse("admin:offers_offer_changelist") + "?awaiting=me")


class LetterTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    """The template's rules, and its wording as a new version (the newest one, to edit)."""

    language = forms.ChoiceField(choices=letter_templates.LANGUAGES, initial="en_US")
    body = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "template-body"}),
        help_text="Text with {{ placeholders }}, {% if … %} clauses and # headings, paragraphs, "
        "- lists, **bold**, *italic*. The placeholders and blocks are listed below.",
    )
    token_terms = forms.CharField(
        strip=False,
        label="Token budget terms",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100}),
        help_text="Printed in the token budget block, and on the candidate's page.",
    )
    signatory_name = forms.CharField(max_length=200, required=False)
    signatory_title = forms.CharField(max_length=200)
    note = forms.CharField(
        label="What changed", max_length=300, required=False, help_text="kept with the version"
    )

    class Meta:
        model = LetterTemplate
        fields = [
            "name",
            "department",
            "location_contains",
            "level",
            "is_default",
            "active",
            "countersigner",
            "countersign_order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        newest = self.instance.current_version if self.instance.pk else None
        if newest is not None and not self.is_bound:
            for name in VERSION_FIELDS:
                self.initial[name] = getattr(newest, name)
        # A form posted without it (an older page, a script) keeps the template's order.
        self.fields["countersign_order"].required = False

    def clean_countersign_order(self) -> str:
        return str(
            self.cleaned_data.get("countersign_order")
            or self.instance.countersign_order
            or LetterTemplate.CountersignOrder.AFTER
        )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        try:
            letter_templates.check(body)
        except letter_templates.TemplateProblem as problem:
            raise forms.ValidationError(
                [f"Line {line}: {message}" for line, message in problem.problems]
            ) from problem
        return body

    def content(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VERSION_FIELDS}


class LetterTemplateVersionInline(admin.TabularInline):
    model = LetterTemplateVersion
    extra = 0
    can_delete = False
    fields = ("number", "language_name", "note", "created_by", "created_at", "offers_using")
    readonly_fields = fields  # versions are never edited
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="Language")
    def language_name(self, version: LetterTemplateVersion) -> str:
        return language_name(version.language)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LetterTemplateVersion]:
        return super().get_queryset(request).annotate(offers_count=Count("offers"))

    @admin.display(description="Offers using it")
    def offers_using(self, version: LetterTemplateVersion) -> int:
        return version.offers_count  # type: ignore[attr-defined]


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ["name", "rules", "newest_version", "active"]
    inlines = [LetterTemplateVersionInline]
    readonly_fields = ["previews", "placeholders"]
    fieldsets = [
        (None, {"fields": ["name", "active"]}),
        (
            "When offers use it",
            {
                "fields": [("department", "location_contains", "level"), "is_default"],
                "description": "A template whose every filled rule matches an offer is chosen "
                "for it (the one with most rules wins); otherwise the default. The recruiter "
                "can pick another in the builder.",
            },
        ),
        (
            "Wording (saving a change makes a new version; offers keep theirs)",
            {
                "fields": [
                    "language",
                    "body",
                    "token_terms",
                    ("signatory_name", "signatory_title"),
                    "note",
                ]
            },
        ),
        (
            "Signing",
            {
                "fields": ["countersigner", "countersign_order"],
                "description": "Who countersigns the letters candidates sign (one person, or "
                "blank for anyone allowed to countersign: the People team), and when: after "
                "the candidate signs, or before the link can be sent.",
            },
        ),
        ("Preview", {"fields": ["previews"]}),
        ("Placeholders and blocks", {"fields": ["placeholders"], "classes": ["collapse"]}),
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "countersigner":
            # Only people who may countersign (superusers may, but are not named here).
            kwargs["queryset"] = (
                get_user_model()
                .objects.with_perm(
                    "signing.countersign_offer",
                    include_superusers=False,
                    backend="django.contrib.auth.backends.ModelBackend",
                )
                .filter(is_active=True)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("offers.manage_letter_templates")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("offers.manage_letter_templates")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("offers.manage_letter_templates")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("offers.manage_letter_templates")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # offers and letters keep their versions: retire a template instead

    @admin.display(description="Rules")
    def rules(self, template: LetterTemplate) -> str:
        return template.rules_text()

    @admin.display(description="Newest version")
    def newest_version(self, template: LetterTemplate) -> str:
        version = template.current_version
        return f"{version.number} ({language_name(version.language)})" if version else "—"

    @admin.display(description="Placeholders")
    def placeholders(self, template: LetterTemplate) -> str:
        rows = [
            *(("{{ " + name + " }}", what) for name, what in letter_templates.PLACEHOLDERS.items()),
            *(
                ("{{ " + name + " }} (block, on its own line)", what)
                for name, what in letter_templates.BLOCKS.items()
            ),
        ]
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join("", "<tr><td><code>{}</code></td><td>{}</td></tr>", rows),
        )

    @admin.display(description="Previews")
    def previews(self, template: LetterTemplate) -> str:
        if template.pk is None:
            return "Save the template to preview it."
        previews = TemplatePreview.objects.filter(version__template=template).select_related(
            "version"
        )[:5]
        items = []
        for preview in previews:
            if preview.state == TemplatePreview.State.READY:
                url = reverse("admin:offers_lettertemplate_preview", args=[preview.pk])
                warning = " — runs past two pages: shorten it" if preview.too_long else ""
                items.append(
                    format_html(
                        '<li data-preview="ready">Version {}: <a href="{}">PDF, {} page{}</a>{}'
                        "</li>",
                        preview.version.number,
                        url,
                        preview.pages,
                        "" if preview.pages == 1 else "s",
                        warning,
                    )
                )
            elif preview.state == TemplatePreview.State.FAILED:
                items.append(
                    format_html(
                        '<li data-preview="failed">Version {}: failed — {}</li>',
                        preview.version.number,
                        preview.error,
                    )
                )
            else:
                items.append(
                    format_html(
                        '<li data-preview="queued">Version {}: being made by a worker; reload '
                        "this page in a few seconds.</li>",
                        preview.version.number,
                    )
                )
        intro = (
            "“Save and preview” saves the wording and has a worker make a PDF of it with a "
            "sample offer (every pillar, options with a cliff, a sign-on bonus, a token budget)."
        )
        return format_html(
            "<p>{}</p><ul class='previews'>{}</ul>",
            intro,
            format_html_join("", "{}", ((i,) for i in items)),
        )

    def save_model(
        self, request: HttpRequest, obj: LetterTemplate, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_default:
            # One default: the one just marked.
            others = LetterTemplate.objects.filter(is_default=True).exclude(pk=obj.pk)
            for other in others:
                self.message_user(request, f"“{other}” is no longer the default.", messages.INFO)
            others.update(is_default=False)
        version = template_version_save(
            template=obj,
            content=form.content(),
            by=request.user,  # type: ignore[arg-type]
            note=form.cleaned_data["note"],
        )
        if version is not None and change:
            self.message_user(
                request,
                f"Saved as version {version.number}. Offers keep the version they have until "
                "their recruiter picks this one.",
                messages.SUCCESS,
            )
        if "_preview" in request.POST:
            newest = obj.versions.order_by("-number").first()
            if newest is not None:
                preview_request(version=newest, by=request.user)  # type: ignore[arg-type]

    def response_change(self, request: HttpRequest, obj: LetterTemplate) -> HttpResponse:
        if "_preview" in request.POST:
            self.message_user(request, "A worker is making the preview.", messages.INFO)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(
        self, request: HttpRequest, obj: LetterTemplate, post_url_continue: Any = None
    ) -> HttpResponse:
        if "_preview" in request.POST:
            self.message_user(request, "A worker is making the preview.", messages.INFO)
            return HttpResponseRedirect(
                reverse("admin:offers_lettertemplate_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "previews/<int:preview_id>.pdf",
                self.admin_site.admin_view(self.preview_view),
                name="offers_lettertemplate_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, preview_id: int) -> FileResponse:
        if not request.user.has_perm("offers.manage_letter_templates"):
            raise PermissionDenied
        preview = TemplatePreview.objects.filter(
            pk=preview_id, state=TemplatePreview.State.READY
        ).first()
        if preview is None:
            raise Http404("No such preview.")
        try:
            handle = preview.file.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404("The preview's file is missing from storage.") from error
        response = FileResponse(
            handle, content_type="application/pdf", filename=f"preview-{preview.pk}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response
