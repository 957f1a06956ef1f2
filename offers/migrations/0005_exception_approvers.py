from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE = "Exception approvers"
PERMISSIONS = {
    "offers": [
        "view_offer",
        "approve_exceptions",
        "view_department",
        "view_approvalpolicy",
        "change_approvalpolicy",
        "view_salaryband",
        "add_salaryband",
        "change_salaryband",
        "delete_salaryband",
    ],
    "pricing": ["view_pricesnapshot", "view_modelprice"],
}


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after all migrations; create them now to grant them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ROLE)
    for app_label, codenames in PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    # The first approval rests with hiring managers; let them read the rules they approve under.
    Group.objects.get(name="Hiring managers").permissions.add(
        *Permission.objects.filter(
            content_type__app_label="offers",
            codename__in=["view_approvalpolicy", "view_salaryband"],
        )
    )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name=ROLE).delete()


class Migration(migrations.Migration):
    dependencies = [("offers", "0004_approvals"), ("pricing", "0002_role_permissions")]
    operations = [migrations.RunPython(grant, remove)]
