from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

PEOPLE_TEAM = "People team"


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The People team countersigns the letters candidates sign (a letter template may name one
    person instead)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=PEOPLE_TEAM)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="signing", codename="countersign_offer")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("signing", "0001_initial"),
        ("offers", "0024_lettertemplate_countersigner"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
