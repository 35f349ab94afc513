"""The management site (/manage/): Django's admin, opened to the system administrator role only.

Django's superuser flag is never used: the role matrix decides. Audit entries are not
registered here at all — the system administrator cannot read or alter the audit log.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.audit.services import record

from . import services
from .models import Department, RoleAssignment, User
from .permissions import has_perm
from .roles import Perm, violates_separation


class GongzhiAdminSite(admin.AdminSite):
    site_header = _("共治 · 系统管理")
    site_title = _("共治系统管理")
    index_title = _("账号、角色、部门与区划")

    def has_permission(self, request):
        return request.user.is_active and has_perm(request.user, Perm.ACCOUNTS_MANAGE)

    def admin_view(self, view, cacheable=False):
        """Signed-in users without the permission get 403 instead of the admin's own login form."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded

    def password_change(self, request, extra_context=None):
        """One password page for everybody: the rules, the audit entry and the forced-change flag."""
        return redirect("accounts:password_change")

    def login(self, request, extra_context=None):
        """Sign-in happens only on /accounts/login/ (lockout, two-factor, audit); never here."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(f"{self.name}:index")
            raise PermissionDenied
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse(f"{self.name}:index"),
                                 reverse("accounts:login"))


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

    # Changes made here land in the audit log too, not only in Django's admin history.
    def log_addition(self, request, obj, message):
        record(actor=request.user, action="manage.add", obj=obj, after={"change": message}, request=request)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        record(actor=request.user, action="manage.change", obj=obj, after={"change": message}, request=request)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            record(actor=request.user, action="manage.delete", obj=obj, request=request)
        return super().log_deletions(request, queryset)


class ResetPasswordForm(AdminPasswordChangeForm):
    """An administrator sets a password: the user must choose their own at the next sign-in,
    and the tokens issued under the old password end. There is no switching password sign-in off
    (Django's ``usable_password``: meant for single sign-on or LDAP, which the platform does not
    have); an account that must not sign in is deactivated instead."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True

    def save(self, commit=True):
        self.user.must_change_password = settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE
        user = super().save(commit)
        if commit:
            # The administrator's own entry is the site's ``manage.change`` record of this change.
            services.revoke_api_tokens(user=user, reason=services.REVOKED_PASSWORD)
        return user


class PasswordStateWidget(ReadOnlyPasswordHashWidget):
    """Whether a password is set, in words: not the hasher's parameters, salt and hash prefix."""

    template_name = "accounts/widgets/password_state.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["password_set"] = bool(value) and not value.startswith(UNUSABLE_PASSWORD_PREFIX)
        return context


class AccountChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordStateWidget()


@admin.display(description=_("状态"), ordering="is_active")
def active_state(obj) -> str:
    """启用/停用 in words (Django's check-mark icons carry the alt text "True"/"False")."""
    return _("启用") if obj.is_active else _("停用")


class GeometryField(forms.JSONField):
    """An empty boundary shows as an empty box, not as the JSON literal ``null``."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class RoleAssignmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        roles = {form.cleaned_data["role"] for form in self.forms
                 if form.cleaned_data.get("role") and not form.cleaned_data.get("DELETE")}
        if violates_separation(roles):
            raise ValidationError(services.SEPARATION_MESSAGE, code="separation_of_duties")


class RoleAssignmentInline(MatrixPermissionMixin, admin.StackedInline):
    """Stacked: each role, area and department with its own label (a table row names them only in its header)."""

    model = RoleAssignment
    formset = RoleAssignmentFormSet
    extra = 0
    autocomplete_fields = ["area"]
    fields = ["role", "area", "department"]


@admin.register(User, site=admin_site)
class UserAdmin(MatrixPermissionMixin, DjangoUserAdmin):
    form = AccountChangeForm
    list_display = ["username", "real_name", active_state, "last_login"]
    search_fields = ["username", "real_name"]
    list_filter = ["is_active", "role_assignments__role"]
    inlines = [RoleAssignmentInline]
    actions = ["unlock_accounts", "reset_two_factor"]
    readonly_fields = ["last_login", "date_joined", "password_changed_at"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("个人信息"), {"fields": ["real_name", "home_area", "email"]}),
        (_("状态"), {"fields": ["is_active", "must_change_password", "password_changed_at", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "real_name", "password1", "password2"]})]
    autocomplete_fields = ["home_area"]
    change_password_form = ResetPasswordForm
    change_user_password_template = "accounts/admin/set_password.html"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Roles granted, removed or moved here end the user's API tokens, as assign_role does.
        if change and any(formset.has_changed() for formset in formsets):
            services.revoke_api_tokens(user=form.instance, reason=services.REVOKED_ROLES, actor=request.user,
                                       request=request)

    def delete_model(self, request, obj):
        messages.error(request, _("账号不能删除，请改为停用。"))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("解除所选账号的登录锁定"))
    def unlock_accounts(self, request, queryset):
        n = sum(services.unlock_account(actor=request.user, username=u.username, request=request) for u in queryset)
        self.message_user(request, _("已解除 %(n)d 个账号的锁定。") % {"n": n})

    @admin.action(description=_("重置所选账号的两步验证（手机丢失时使用）"))
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.reset_two_factor(actor=request.user, user=user, request=request)
        self.message_user(request, _("已重置 %(n)d 个账号的两步验证，用户下次登录时须重新绑定。") % {"n": len(queryset)})


@admin.register(Department, site=admin_site)
class DepartmentAdmin(MatrixPermissionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "phone", active_state]
    search_fields = ["code", "name"]
    filter_horizontal = ["serves"]


@admin.register(Area, site=admin_site)
class AreaAdmin(MatrixPermissionMixin, admin.ModelAdmin):
    perm = Perm.AREAS_MANAGE
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
    formfield_overrides = {models.JSONField: {"form_class": GeometryField}}
