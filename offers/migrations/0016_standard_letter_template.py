from __future__ import annotations

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

# The wording every letter had before templates, as the first version of the default template;
# its signatory and token terms come from the settings the letter read until now.
STANDARD_BODY = """# Offer of employment

Dear {{ candidate_name }},

We are delighted to offer you the position of **{{ role_title }}** (level {{ level }}) in our \
{{ department }} team, reporting to {{ hiring_manager }}, starting on **{{ start_date }}**. \
Location: {{ location }}. Your pay has five parts, set out below; every amount is in \
{{ currency }} unless it says otherwise.

{{ pay_table }}

{{ chart }}

{{ vesting_table }}

{{ token_budget }}

This offer is open until **{{ expires_on }}**. It is subject to the standard terms of \
employment of {{ company }}, which you will receive with your contract.

{{ signatures }}
"""
PEOPLE_TEAM = "People team"
PERMISSIONS = [
    "manage_letter_templates",
    "add_lettertemplate",
    "change_lettertemplate",
    "view_lettertemplate",
    "view_lettertemplateversion",
    "add_templatepreview",
    "view_templatepreview",
    "view_department",
]


def standard(apps, schema_editor):  # type: ignore[no-untyped-def]
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    LetterTemplate = apps.get_model("offers", "LetterTemplate")
    LetterTemplateVersion = apps.get_model("offers", "LetterTemplateVersion")
    Offer = apps.get_model("offers", "Offer")
    template = LetterTemplate.objects.create(name="Standard offer letter", is_default=True)
    version = LetterTemplateVersion.objects.create(
        template=template,
        number=1,
        language="en_US",
        body=STANDARD_BODY,
        token_terms=settings.LETTER_TOKEN_TERMS,
        signatory_name=settings.LETTER_SIGNATORY_NAME,
        signatory_title=settings.LETTER_SIGNATORY,
        note="The wording of every letter before templates.",
    )
    Offer.objects.filter(letter_template_version__isnull=True).update(
        letter_template_version=version
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=PEOPLE_TEAM)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="offers", codename__in=PERMISSIONS)
    )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("offers", "Offer").objects.update(letter_template_version=None)
    apps.get_model("offers", "LetterTemplateVersion").objects.all().delete()
    apps.get_model("offers", "LetterTemplate").objects.all().delete()
    apps.get_model("auth", "Group").objects.filter(name=PEOPLE_TEAM).delete()


class Migration(migrations.Migration):
    dependencies = [("offers", "0015_letter_templates")]
    operations = [migrations.RunPython(standard, remove)]
