from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

PEOPLE_TEAM = "People team"
PERMISSIONS = ["view_budgetgrant", "change_budgetgrant"]


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The People team sees the token budgets in the admin, provisions them now and revokes."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=PEOPLE_TEAM)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="budgets", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0001_initial"),
        ("signing", "0002_people_team_countersigns"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
