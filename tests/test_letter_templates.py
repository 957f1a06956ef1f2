"""Letter templates: the sandbox, versions and approvals, rules, language formatting."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from offers.letters import letter_html, letter_render_pdf
from offers.letters import sandbox as letter_templates
from offers.letters.format import LetterFormat
from offers.letters.sandbox import TemplateProblem, check
from offers.models import (
    Department,
    LetterTemplate,
    LetterTemplateVersion,
    Offer,
    TemplatePreview,
)
from offers.roles import PEOPLE_TEAM
from offers.services import (
    candidate_link_create,
    letter_request,
    letter_template_for,
    preview_render,
    preview_request,
    previews_sweep,
    template_version_save,
)
from offers.services.templates import VERSION_FIELDS
from tests import factories

BLOCKS = "\n\n{{ pay_table }}\n\n{{ token_budget }}\n\n{{ signatures }}\n"


def body(text: str) -> str:
    return text + BLOCKS


def refused(text: str) -> str:
    with pytest.raises(TemplateProblem) as problem:
        check(body(text))
    return str(problem.value)


# The sandbox -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{{ candidate_name.__class__ }}", "“candidate_name” is a value: it has no fields"),
        ("{{ candidate_name.__class__.__mro__ }}", "only the item of a loop has fields"),
        ("{{ candidate_name.upper() }}", "calling anything is not allowed"),
        ("{{ ''.__class__ }}", "only the item of a loop has fields"),
        ("{{ settings.SECRET_KEY }}", "unknown placeholder “settings”"),
        ("{{ user.password }}", "unknown placeholder “user”"),
        ("{{ request }}", "unknown placeholder “request”"),
        ("{{ offer.internal_notes }}", "unknown placeholder “offer”"),
        ("{% include 'offers/letter.html' %}", "{% include %} is not allowed"),
        ("{% import 'x.html' as x %}", "{% import %} is not allowed"),
        ("{% from 'x.html' import y %}", "{% from … import %} is not allowed"),
        ("{% extends 'base.html' %}", "{% extends %} is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "macros are not allowed"),
        ("{% set x = 1 %}", "{% set %} is not allowed"),
        ("{% for i in range(10**9) %}x{% endfor %}", "a loop can only go over token_models"),
        ("{{ 9 ** 9 ** 9 }}", "arithmetic is not allowed"),
        ("{{ 'x' * 100000000 }}", "arithmetic is not allowed"),
        ("{{ candidate_name|attr('__class__') }}", "no filter “attr”"),
        ("{{ cycler }}", "unknown placeholder “cycler”"),
        ("{{ candidat_name }}", "did you mean candidate_name?"),
        ("{% for m in token_models %}{{ m.__dict__ }}{% endfor %}", "has no field “__dict__”"),
        ("{% for m in token_models %}{{ m.items() }}{% endfor %}", "calling anything"),
        ("{{ token_models[0] }}", "indexing is not allowed"),
    ],
)
def test_escapes_from_the_sandbox_are_refused_on_save(text: str, says: str) -> None:
    assert says in refused(text)


def test_the_problem_says_which_line() -> None:
    problem = refused("Dear {{ candidate_name }},\n\nWe offer {{ role_title }")
    assert problem.startswith("line 3: ")
    assert "line 2: unknown placeholder “startdate”" in refused("Hi\nStart on {{ startdate }}")
    assert "must be on a line of its own" in refused("Your pay: {{ pay_table }}")
    with pytest.raises(TemplateProblem, match="the table of pay"):
        check("Dear {{ candidate_name }},\n\n{{ token_budget }}\n\n{{ signatures }}\n")


def test_at_render_the_sandbox_reads_only_what_it_is_given() -> None:
    # Even a body that skipped the save check cannot reach past the values.
    blocks = {name: (lambda: "") for name in letter_templates.BLOCKS}

    def render(text: str, values: dict[str, Any]) -> str:
        return letter_templates.render(text, values, blocks).html

    with pytest.raises(TemplateProblem):
        render("{{ name.__class__.__mro__ }}", {"name": "x"})
    with pytest.raises(TemplateProblem):
        render("{{ name.upper() }}", {"name": "x"})
    with pytest.raises(TemplateProblem):
        render("{{ lipsum }}{{ range(3) }}", {})
    with pytest.raises(TemplateProblem, match="stopped"):
        render(
            "{% for a in xs %}{% for b in xs %}{% for c in xs %}{{ a }}{% endfor %}{% endfor %}"
            "{% endfor %}",
            {"xs": list(range(100))},
        )
    assert render("{{ name }}", {"name": "Zoë"}).strip() == "<p>Zoë</p>"


def test_hostile_offer_text_prints_as_text(recruiter: User, manager: User) -> None:
    hostile = "**Bold** <b>x</b> # [link](http://x.example) ![i](file:///etc/passwd) _y_"
    offer = factories.offer(
        by=recruiter, hiring_manager=manager, candidate_name=hostile[:200], role_title="`code` 1."
    )
    html = letter_html(offer, draft=True)
    assert "<strong>Bold</strong>" not in html and "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert 'href="http://x.example"' not in html and "<img" not in html.split("logo", 1)[1]
    text = pdf_text(letter_render_pdf(offer, version=offer.version, draft=True).pdf)
    assert "**Bold** <b>x</b> # [link](http://x.example)" in text
    assert "`code` 1." in text


# Versions and approvals ------------------------------------------------------------------------


def new_version(template: LetterTemplate, by: User, **changes: str) -> LetterTemplateVersion:
    newest = template.versions.order_by("-number").first()
    assert newest is not None
    content = {name: getattr(newest, name) for name in VERSION_FIELDS}
    content.update(changes)
    version = template_version_save(template=template, content=content, by=by)
    assert version is not None
    return version


@pytest.mark.django_db
def test_the_builder_offers_each_active_templates_newest_version_and_the_offers_own(
    recruiter: User, manager: User
) -> None:
    from offers.forms import OfferForm

    offer = factories.offer(by=recruiter, hiring_manager=manager)
    standard = LetterTemplate.objects.get(is_default=True)
    first = offer.letter_template_version
    assert first is not None and first.template == standard

    def choices(instance: Offer) -> list[str]:
        field = OfferForm(instance=instance, builder=recruiter).fields["letter_template_version"]
        return [str(label) for value, label in field.choices if value != ""]  # type: ignore[attr-defined]

    english = "English (United States)"
    assert choices(Offer()) == [f"Standard offer letter, version 1 ({english})"]
    new_version(standard, recruiter, body=first.body + "\n\nP.S.")
    retired = LetterTemplate.objects.create(name="Retired", active=False)
    LetterTemplateVersion.objects.create(
        template=retired, number=1, body=first.body, created_by=recruiter
    )
    # A new offer: the newest version of each active template, never an inactive one's (read
    # again for each form: the list follows new versions).
    assert choices(Offer()) == [f"Standard offer letter, version 2 ({english})"]
    # An offer that has version 1 keeps it on the list, marked, beside the newest.
    assert choices(offer) == [
        f"Standard offer letter, version 2 ({english})",
        f"Standard offer letter, version 1 ({english}) — as this offer has it; not the newest",
    ]


@pytest.mark.django_db
def test_a_template_edit_after_approval_does_not_change_the_approved_letter(
    recruiter: User, manager: User
) -> None:
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    standard = LetterTemplate.objects.get(is_default=True)
    first = offer.letter_template_version
    assert first is not None and first.number == 1 and offer.letter_template_by_rules
    before = pdf_text(letter_render_pdf(offer, version=offer.version, draft=False).pdf)
    assert "We are delighted to offer you" in before
    edited = new_version(
        standard,
        recruiter,
        body=first.body.replace("We are delighted", "We are thrilled"),
    )
    assert edited.number == 2
    # An edit that changes nothing makes no version (a browser's line endings and the
    # whitespace at either end are no change).
    unchanged = {name: getattr(edited, name) for name in VERSION_FIELDS}
    unchanged["body"] = unchanged["body"].strip().replace("\n", "\r\n")
    assert template_version_save(template=standard, content=unchanged, by=recruiter) is None
    offer = Offer.objects.get(pk=offer.pk)
    assert offer.letter_template_version_id == first.pk and offer.status == "approved"
    letter = letter_request(offer=offer, by=recruiter)
    assert letter.template_version_id == first.pk
    after = pdf_text(letter_render_pdf(offer, version=offer.version, draft=False).pdf)
    assert "We are delighted" in after and "thrilled" not in after
    # Saving the offer with the rules still choosing keeps its version: no new approval.
    offer = factories.edit(offer, by=recruiter, internal_notes="Called the candidate.")
    assert offer.letter_template_version_id == first.pk and offer.status == "approved"
    # Picking the new version is a change of an approved term: approval again.
    offer = factories.edit(offer, by=recruiter, letter_template_version=edited)
    assert offer.status == "pending_approval"
    assert offer.letter_template_version_id == edited.pk and not offer.letter_template_by_rules
    changes = {name: (then, now) for name, then, now, changed in offer.changes_since_approval()}
    assert changes["Letter template"] == (str(first), str(edited))
    # The history says it, in the builder's words.
    client = Client()
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert f"Letter template: {first} → {edited}" in page


@pytest.mark.django_db
def test_rules_pick_the_template(recruiter: User, manager: User) -> None:
    factories.snapshot()
    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    sales = Department.objects.create(name="Sales")
    standard = LetterTemplate.objects.get(is_default=True)

    def template(name: str, **rules: Any) -> LetterTemplate:
        made = LetterTemplate.objects.create(name=name, **rules)
        newest = standard.versions.order_by("-number").first()
        assert newest is not None
        template_version_save(
            template=made,
            content={name: getattr(newest, name) for name in VERSION_FIELDS},
            by=people,
        )
        return made

    germany = template("Germany", location_contains="germany")
    german_sales = template("German sales", location_contains="Germany", department=sales)
    seniors = template("Senior", level="L7")
    template("Retired", location_contains="Germany", level="L5", active=False)
    template("By hand only")

    def pick(**data: Any) -> LetterTemplate | None:
        return letter_template_for(Offer(**factories.offer_data(**data)))

    assert pick(location="Berlin, Germany") == germany
    assert pick(location="Berlin, Germany", department=sales) == german_sales  # more rules
    assert pick(location="Boston, United States", level="L7") == seniors
    assert pick(location="Boston, United States") == standard  # the default
    assert pick(location="Berlin, Germany", level="L5") == germany  # inactive ones never
    # A letter language: only templates written in it (the first by name stands in for the
    # default); none written in it leaves the language aside.
    french = template("Français", location_contains="Paris")
    new_version(french, people, language="fr_FR")
    assert pick(location="Boston, United States", letter_language="fr_FR") == french
    assert pick(location="Berlin, Germany", letter_language="en_US") == germany
    assert pick(location="Berlin, Germany", letter_language="ja_JP") == germany
    offer = factories.offer(by=recruiter, hiring_manager=manager, location="Munich, Germany")
    assert offer.letter_template_version is not None
    assert offer.letter_template_version.template == germany
    # A new department moves an offer chosen by the rules to that rule's template.
    offer = factories.edit(offer, by=recruiter, department=sales)
    assert offer.letter_template_version is not None
    assert offer.letter_template_version.template == german_sales
    # A new template whose rules would fit does not reach the offer by itself: only a change
    # of what the rules read of the offer runs them again.
    munich = template("Munich sales", location_contains="Munich", department=sales, level="L5")
    offer = factories.edit(offer, by=recruiter, internal_notes="Spoke to the candidate.")
    assert offer.letter_template_version is not None
    assert offer.letter_template_version.template == german_sales
    offer = factories.edit(offer, by=recruiter, location="Munich, Bavaria, Germany")
    assert offer.letter_template_version is not None
    assert offer.letter_template_version.template == munich


# Languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "currency", "amount", "whole", "date"),
    [
        ("de_DE", "EUR", "1.234,50\xa0€", "123.457\xa0€", "1. Dezember 2026"),
        ("en_IN", "INR", "₹1,234.50", "₹1,23,457", "1 December 2026"),
        ("en_US", "USD", "$1,234.50", "$123,457", "December 1, 2026"),
        ("ja_JP", "JPY", "￥1,235", "￥123,457", "2026年12月1日"),
    ],
)
def test_money_and_dates_are_written_for_the_language(
    language: str, currency: str, amount: str, whole: str, date: str
) -> None:
    import datetime

    fmt = LetterFormat(language, currency)
    assert fmt.money(Decimal("1234.50")) == amount
    assert fmt.money_whole(Decimal("123456.50")) == whole
    assert fmt.date(datetime.date(2026, 12, 1)) == date


@pytest.mark.django_db
def test_a_german_letter_writes_german_figures_in_the_pdf(recruiter: User, manager: User) -> None:
    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    standard = LetterTemplate.objects.get(is_default=True)
    german = LetterTemplate.objects.create(name="Deutschland", location_contains="Germany")
    template_version_save(
        template=german,
        content={
            "language": "de_DE",
            "body": body(
                "# Ihr Angebot\n\nGuten Tag {{ candidate_name }}, Ihr Grundgehalt beträgt "
                "{{ base_salary }} im Jahr, ab dem {{ start_date }}."
                "{% if has_sign_on_bonus %} Antrittsprämie: {{ sign_on_bonus }}.{% endif %}"
            ),
            "token_terms": "Nur für die Arbeit.",
            "signatory_name": "Jana Becker",
            "signatory_title": "Leiterin Personal",
        },
        by=people,
    )
    import datetime

    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        location="Berlin, Germany",
        currency="EUR",
        usd_exchange_rate=Decimal("0.92"),
        base_salary=Decimal("98000"),
        sign_on_bonus=Decimal("1234.50"),
        start_date=datetime.date(2027, 1, 13),
        models=[("gpt-5", "100")],  # no cache-write price: the valuation says so
    )
    assert offer.letter_template_version is not None
    assert offer.letter_template_version.template == german
    text = pdf_text(letter_render_pdf(offer, version=offer.version, draft=True).pdf)
    assert "Ihr Grundgehalt beträgt 98.000 € im Jahr, ab dem 13. Januar 2027." in text
    assert "Antrittsprämie: 1.235 €." in text
    assert "Jana Becker, Leiterin Personal" in text
    assert "Nur für die Arbeit." in text
    assert (
        "GPT-5 (Standard): Cache-Schreiben zum Eingabepreis bewertet (kein Preis für "
        "Cache-Schreiben angegeben)." in text
    )
    assert "valued at" not in text
    assert standard.versions.count() == 1
    # The candidate's page quotes the letter's terms, marked as German for screen readers.
    sent = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=sent, by=recruiter)
    page = Client().get(reverse("candidate:offer", args=[token])).content.decode()
    assert '<p class="terms" lang="de-DE" data-token-terms>Nur für die Arbeit.</p>' in page


def test_valuation_notes_are_said_in_the_letters_language() -> None:
    """The notes on how tokens were valued: the same sentence as the valuation's in English, and
    each kind in German."""
    import copy
    import pickle

    from django.utils import translation

    from offers.letters import note_text
    from pricing.valuation import Note
    from tests.test_valuation import GPT5, ModelShare, line, value_token_line

    notes = [
        *value_token_line(line(ModelShare(GPT5, Decimal(1)))).notes,
        *value_token_line(
            line(ModelShare(GPT5, Decimal(1), long_context_share=Decimal("0.3")))
        ).notes,
    ]
    assert {note.kind for note in notes} == {"input_price", "one_price"}
    copied = pickle.loads(pickle.dumps(notes[0]))  # noqa: S301 (our own bytes)
    assert (copied, copied.kind, copied.label) == (notes[0], "input_price", "cache write")
    assert copy.deepcopy(notes[-1]).kind == "one_price"
    with translation.override("en"):
        assert [note_text(note) for note in notes] == notes
    german = {
        "standard_price": "M (Batch): Cache-Lesen zum Standardpreis bewertet (kein Preis für "
        "Batch angegeben).",
        "input_price": "M (Standard): Cache-Schreiben zum Eingabepreis bewertet (kein Preis für "
        "Cache-Schreiben angegeben).",
        "long_ordinary": "M (Standard): kein Langkontext-Preis für Ausgabe angegeben; lange "
        "Anfragen zum normalen Preis bewertet.",
        "one_price": "M hat in diesen Preisdaten einen Preis unabhängig von der Länge der "
        "Anfrage; lange Anfragen kosten daher gleich viel.",
    }
    labels = {
        "standard_price": "cache read",
        "input_price": "cache write",
        "long_ordinary": "output",
    }
    with translation.override("de"):
        for kind, expected in german.items():
            tier = "batch" if kind == "standard_price" else "standard"
            note = Note(kind, model="M", tier=tier, label=labels.get(kind, ""))
            assert note_text(note) == expected


# Previews --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_preview_is_a_pdf_of_a_sample_offer_with_its_page_count(recruiter: User) -> None:
    factories.snapshot()
    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    standard = LetterTemplate.objects.get(is_default=True)
    version = standard.versions.get()
    asked = preview_request(version=version, by=people)
    assert asked.state == "queued" and not asked.file  # nothing rendered in the request
    preview = preview_render(preview_id=asked.pk)  # what the worker runs
    assert preview is not None and preview.state == "ready" and preview.pages == 2
    text = pdf_text(preview.file.read())
    assert "Alex Sample" in text and "sample offer" in text and "DRAFT" in text
    long = new_version(standard, people, body=version.body + ("\n\nA long clause." * 400))
    long_preview = preview_render(preview_id=preview_request(version=long, by=people).pk)
    assert long_preview is not None and long_preview.too_long and (long_preview.pages or 0) > 2
    client = Client()
    client.force_login(people)
    page = client.get(reverse("admin:offers_lettertemplate_change", args=[standard.pk]))
    assert "runs past two pages" in page.content.decode()
    pdf = client.get(reverse("admin:offers_lettertemplate_preview", args=[long_preview.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # A preview no worker makes says so after a while (the sweep), instead of waiting forever.
    stuck = preview_request(version=version, by=people)
    TemplatePreview.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert previews_sweep() == 1
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "No worker made it in time" in stuck.error
    # Only the People team writes templates (and sees their previews).
    client.force_login(recruiter)
    assert client.get(
        reverse("admin:offers_lettertemplate_preview", args=[preview.pk])
    ).status_code in {302, 403}


@pytest.mark.django_db
def test_the_admin_refuses_a_body_that_does_not_compile_and_says_where(recruiter: User) -> None:
    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    standard = LetterTemplate.objects.get(is_default=True)
    client = Client()
    client.force_login(people)
    version = standard.versions.get()
    form = {
        "name": standard.name,
        "is_default": "on",
        "active": "on",
        "language": "en_US",
        "body": "Dear {{ candidate_name }},\n{% if has_cliff %}\n{{ pay_table }}\n",
        "token_terms": version.token_terms,
        "signatory_title": "Head of People",
        "signatory_name": "",
        "note": "",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": str(version.pk),
        "versions-0-template": str(standard.pk),
        "_save": "Save",
    }
    url = reverse("admin:offers_lettertemplate_change", args=[standard.pk])
    page = client.post(url, form).content.decode()
    assert "Line 3: Unexpected end of template" in page
    assert standard.versions.count() == 1
    form["body"] = version.body.replace("We are delighted", "We are very glad")
    form["note"] = "Warmer opening."
    assert client.post(url, form).status_code == 302
    newest = standard.versions.order_by("-number").first()
    assert newest is not None and newest.number == 2 and newest.note == "Warmer opening."
    assert newest.created_by == people


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_every_placeholder_is_offered_to_a_template(db: None, recruiter: User) -> None:
    from offers.letters import letter_values

    offer = factories.offer(by=recruiter)
    version = LetterTemplateVersion.objects.get()
    values = letter_values(offer, version, LetterFormat("en_US", "USD"), draft=False)
    assert set(values) == set(letter_templates.PLACEHOLDERS)
    assert all(
        isinstance(v, str | bool) or (isinstance(v, list) and all(isinstance(i, dict) for i in v))
        for v in values.values()
    )
    assert re.fullmatch(r"\$150\.00", values["token_budget_per_day"])
