from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Who sees the disagreements between price sources, and who may settle them.
VIEW = ["view_pricedisagreement", "view_pricerefresh"]
SETTLE = ["settle_prices", "change_pricedisagreement"]


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="pricing", codename__in=VIEW)
    settle = Permission.objects.filter(content_type__app_label="pricing", codename__in=SETTLE)
    for name in ["Recruiters", "Hiring managers", "Exception approvers"]:
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(*view)
    approvers = Group.objects.filter(name="Exception approvers").first()
    if approvers:
        approvers.permissions.add(*settle)


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_sources_tiers_disagreements"),
        ("offers", "0005_exception_approvers"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
