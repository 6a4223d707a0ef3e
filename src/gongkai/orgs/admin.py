from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Department, Membership, Organization, User


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site_domain", "index_pattern", "is_active")
    search_fields = ("code", "name")
    inlines = [DepartmentInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "email", "is_active", "is_staff")
    fieldsets = (*BaseUserAdmin.fieldsets, ("机构与角色", {"fields": ("full_name",)}))
    inlines = [MembershipInline]
