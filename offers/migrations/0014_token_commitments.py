from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# Who sees the token commitments of every department: finance, and the exception approvers
# (finance or the head of recruiting). Recruiters see their own departments' without it.
GROUPS = ["Finance", "Exception approvers"]


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="offers", codename="view_token_commitments"
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name="Finance").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0013_offer_list_order"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="offer",
            options={
                "ordering": ["-updated_at", "-pk"],
                "permissions": [
                    ("approve_offer", "Can approve offers"),
                    ("approve_exceptions", "Can approve offers outside the exception rules"),
                    (
                        "view_token_commitments",
                        "Can view the token commitments of every department",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="tokenallocation",
            name="listed_tokens_per_day",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="tokenallocation",
            name="listed_usd_per_day",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=12, null=True),
        ),
        migrations.RunPython(grant, remove),
    ]
