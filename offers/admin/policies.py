"""Departments and the rules that decide approvals: the exception rules and salary bands."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from offers.models import (
    ApprovalPolicy,
    Department,
    SalaryBand,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["recruiters"]


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "max_token_usd_per_day", "max_token_share_of_base_percent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One set of rules: edit it rather than add a second.
        return super().has_add_permission(request) and not ApprovalPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SalaryBand)
class SalaryBandAdmin(admin.ModelAdmin):
    list_display = ["level", "currency", "min_base", "max_base"]
    list_filter = ["currency"]
    search_fields = ["level"]
