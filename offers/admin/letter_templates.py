"""Letter templates in the admin: the People team writes, previews and versions them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from offers.letters import sandbox as letter_templates
from offers.letters.sandbox import language_name
from offers.models import (
    LetterTemplate,
    LetterTemplateVersion,
    TemplatePreview,
)
from offers.roles import people_with_perm
from offers.services import (
    preview_request,
    template_version_save,
)
from offers.services.templates import VERSION_FIELDS


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
            kwargs["queryset"] = people_with_perm("signing.countersign_offer")
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
