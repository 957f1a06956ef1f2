from __future__ import annotations

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0018_offer_visible_to_index"),
        ("pricing", "0005_price_refresh_plural"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                fields=["hiring_manager", "status", "-submitted_at", "-id"],
                name="offer_awaiting_manager",
            ),
        ),
    ]
