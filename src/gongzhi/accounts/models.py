"""Users, departments, role assignments (user, role, area), personal API tokens, login guard."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.privacy.fields import BlindIndexField, EncryptedTextField

from .roles import Role, role_label


class User(AbstractUser):
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True, default="", sensitive="phone")
    phone_index = BlindIndexField(source="phone")
    home_area = models.ForeignKey(
        Area,
        verbose_name=_("居住网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("居民所在网格（以后绑定到房屋）"),
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    # 长辈模式 (适老化): larger type, higher contrast, bigger targets, fewer items per page.
    elder_mode = models.BooleanField(_("长辈模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.real_name or self.username}（{self.username}）"

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    def get_short_name(self) -> str:
        """What the management site greets with (Django's default is the empty ``first_name``)."""
        return self.display_name

    def get_full_name(self) -> str:
        return self.display_name

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def roles(self) -> frozenset[str]:
        cached = getattr(self, "_gongzhi_roles", None)
        if cached is None:
            cached = frozenset(role for role, _path, _department in self.assignment_rows())
            self._gongzhi_roles = cached
        return cached

    def assignment_rows(self) -> list[tuple[str, str | None, int | None]]:
        """``(role, area path, department id)`` of each role assignment, read once per user object:
        the roles, the data scope and each permission's areas are all derived from them."""
        rows = getattr(self, "_gongzhi_assignment_rows", None)
        if rows is None:
            rows = list(self.role_assignments.values_list("role", "area__path", "department_id"))
            self._gongzhi_assignment_rows = rows
        return rows


class Department(models.Model):
    """A functional department (职能部门): outside the tree, serving a set of areas."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    serves = models.ManyToManyField(Area, verbose_name=_("服务区域"), related_name="departments", blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    head = models.ForeignKey("User", verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", help_text=_("超期督办时通知此人"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments", verbose_name=_("区域")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("部门"),
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area", "department"], name="unique_role_assignment"),
            models.CheckConstraint(
                condition=(models.Q(role=Role.DEPARTMENT_STAFF) & models.Q(department__isnull=False))
                | (~models.Q(role=Role.DEPARTMENT_STAFF) & models.Q(area__isnull=False)),
                name="role_assignment_has_area_or_department",
            ),
        ]

    def __str__(self) -> str:
        where = self.department if self.role == Role.DEPARTMENT_STAFF else self.area
        return f"{self.user} · {self.get_role_display()} · {where}"

    @property
    def role_label(self) -> str:
        """The role named for its area: 镇指挥中心 in a town, 村干部 or 村民 in a village."""
        return role_label(self.role, self.area if self.area_id else None)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=40, blank=True, default="")
    # accounts.policy.Credentials.stamp at issue: password, second factor and roles. A token
    # whose user's stamp has changed since is refused (and marked revoked) on its next use.
    credential_stamp = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """One failed sign-in (page or API). Counted per username and per IP within a window.

    A success, a lock or an unlock *clears* the account's failures instead of deleting them:
    cleared rows no longer count towards the account lock but still count towards the IP
    throttle, so locking accounts one after another cannot wipe an address's record.
    """

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    cleared = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["ip", "at"], name="loginfailure_ip_at")]


class AccountLock(models.Model):
    """An account locked after too many failures, until ``until`` or an admin unlocks it."""

    username = models.CharField(max_length=150, unique=True)
    until = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("账号锁定")
        verbose_name_plural = _("账号锁定")


class CodePurpose(models.TextChoices):
    SIGNUP = "signup", _("居民注册")


class PhoneCode(models.Model):
    """A one-time code sent by SMS. Neither the phone number nor the code is stored in clear.

    ``phone_index`` is the phone's blind index (HMAC, see privacy.crypto) so rows can be counted
    per phone; ``code_hash`` is an HMAC of the code bound to that index, so a copied database
    cannot be replayed against another number. One row per code sent: the rows of the last day
    also serve as the per-phone and per-address daily counters.
    """

    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    purpose = models.CharField(_("用途"), max_length=20, choices=CodePurpose.choices, default=CodePurpose.SIGNUP)
    code_hash = models.CharField(max_length=64, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["ip", "created_at"], name="phonecode_ip_created")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"


class LoginCaptcha(models.Model):
    """A one-time image challenge (图形验证码) asked past the address throttle (accounts.captcha).

    Only an HMAC of the answer is stored; a challenge is used up by its first try, right or wrong.
    """

    key = models.CharField(max_length=32, unique=True, editable=False)
    answer_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("图形验证码")
        verbose_name_plural = _("图形验证码")
