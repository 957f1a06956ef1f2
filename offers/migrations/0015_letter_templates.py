from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0014_token_commitments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="letter_template_by_rules",
            field=models.BooleanField(
                default=True, help_text="the template was chosen by the rules, not by the recruiter"
            ),
        ),
        migrations.CreateModel(
            name="LetterTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                (
                    "location_contains",
                    models.CharField(
                        blank=True,
                        help_text="only for offers whose location contains this, e.g. Germany (blank: any)",
                        max_length=100,
                    ),
                ),
                (
                    "level",
                    models.CharField(
                        blank=True,
                        help_text="only for offers of this level (blank: any)",
                        max_length=40,
                    ),
                ),
                (
                    "is_default",
                    models.BooleanField(
                        default=False,
                        help_text="used when no other template's rules match",
                        verbose_name="default",
                    ),
                ),
                ("active", models.BooleanField(default=True, help_text="offered in the builder")),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        help_text="only for offers of this department (blank: any)",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="letter_templates",
                        to="offers.department",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "permissions": [
                    ("manage_letter_templates", "Can write and preview letter templates")
                ],
            },
        ),
        migrations.CreateModel(
            name="LetterTemplateVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "language",
                    models.CharField(
                        help_text="dates, numbers and money are written for this language",
                        max_length=10,
                    ),
                ),
                ("body", models.TextField()),
                ("token_terms", models.TextField(blank=True)),
                ("signatory_name", models.CharField(blank=True, max_length=200)),
                ("signatory_title", models.CharField(max_length=200)),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="what changed")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="offers.lettertemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["template", "-number"],
            },
        ),
        migrations.AddField(
            model_name="letter",
            name="template_version",
            field=models.ForeignKey(
                blank=True,
                help_text="the wording it was rendered with",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="letters",
                to="offers.lettertemplateversion",
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="letter_template_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers",
                to="offers.lettertemplateversion",
                verbose_name="letter template",
            ),
        ),
        migrations.CreateModel(
            name="TemplatePreview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("queued", "Queued"), ("ready", "Ready"), ("failed", "Failed")],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("file", models.FileField(blank=True, upload_to="previews/%Y/%m/")),
                ("pages", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("error", models.TextField(blank=True)),
                ("requested_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="previews",
                        to="offers.lettertemplateversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="lettertemplateversion",
            constraint=models.UniqueConstraint(
                fields=("template", "number"), name="one_number_per_version"
            ),
        ),
    ]
