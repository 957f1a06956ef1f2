from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0016_standard_letter_template"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="letter_language",
            field=models.CharField(
                blank=True,
                help_text="the candidate's language for the letter: the rules then pick a template written in it (blank: any)",
                max_length=10,
                verbose_name="letter language",
            ),
        ),
    ]
