"""The management site (/manage/): Django's admin, opened to the system administrator role only.

Django's superuser flag is never used: the role matrix decides. Audit entries are not
registered here at all — the system administrator cannot read or alter the audit log.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area

from . import services
from .models import Department, RoleAssignment, User
from .permissions import has_perm
from .roles import Perm


class GongzhiAdminSite(admin.AdminSite):
    site_header = _("共治 · 系统管理")
    site_title = _("共治系统管理")
    index_title = _("账号、角色、部门与区划")

    def has_permission(self, request):
        return request.user.is_active and has_perm(request.user, Perm.ACCOUNTS_MANAGE)


admin_site = GongzhiAdminSite(name="manage")


class MatrixPermissionMixin:
    """Every model admin here is governed by one permission of the matrix."""

    perm = Perm.ACCOUNTS_MANAGE

    def _ok(self, request):
        return has_perm(request.user, self.perm)

    def has_module_permission(self, request):
        return self._ok(request)

    def has_view_permission(self, request, obj=None):
        return self._ok(request)

    def has_add_permission(self, request, obj=None):
        return self._ok(request)

    def has_change_permission(self, request, obj=None):
        return self._ok(request)

    def has_delete_permission(self, request, obj=None):
        return self._ok(request)


class RoleAssignmentInline(MatrixPermissionMixin, admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["area"]
    fields = ["role", "area", "department"]


@admin.register(User, site=admin_site)
class UserAdmin(MatrixPermissionMixin, DjangoUserAdmin):
    list_display = ["username", "real_name", "is_active", "last_login"]
    search_fields = ["username", "real_name"]
    list_filter = ["is_active", "role_assignments__role"]
    inlines = [RoleAssignmentInline]
    actions = ["unlock_accounts"]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["real_name", "home_area", "email"]}),
        (_("状态"), {"fields": ["is_active", "must_change_password", "password_changed_at", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "real_name", "password1", "password2"]})]
    autocomplete_fields = ["home_area"]

    def delete_model(self, request, obj):
        messages.error(request, _("账号不能删除，请改为停用。"))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("解除所选账号的登录锁定"))
    def unlock_accounts(self, request, queryset):
        n = sum(services.unlock_account(actor=request.user, username=u.username, request=request) for u in queryset)
        self.message_user(request, _("已解除 %(n)d 个账号的锁定。") % {"n": n})


@admin.register(Department, site=admin_site)
class DepartmentAdmin(MatrixPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "phone", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["serves"]


@admin.register(Area, site=admin_site)
class AreaAdmin(MatrixPermissionMixin, admin.ModelAdmin):
    perm = Perm.AREAS_MANAGE
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
