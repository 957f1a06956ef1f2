from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_PRICES = ["view_pricesnapshot", "view_modelprice"]


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after all migrations; create them now to grant them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="pricing", codename__in=VIEW_PRICES
    )
    for name in ["Recruiters", "Hiring managers"]:
        Group.objects.get(name=name).permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial"), ("offers", "0001_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
