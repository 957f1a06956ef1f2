from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class ProjectAdminConfig(AdminConfig):
    """Django's admin with the project's site (`config.admin.ProjectAdminSite`) as the default
    one; named in INSTALLED_APPS in its place."""

    default_site = "config.admin.ProjectAdminSite"
