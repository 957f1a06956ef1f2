from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Recruiters": ["add_offer", "change_offer", "view_offer", "view_department"],
    "Hiring managers": ["view_offer", "approve_offer", "view_department"],
}


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after all migrations; create them now to grant them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="offers", codename__in=codenames
        )
        Group.objects.get(name=name).permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("offers", "0002_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
