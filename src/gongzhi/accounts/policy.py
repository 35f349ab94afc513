"""One account policy for every way in: may this user act now, and if not, which step is owed?

The pages (``SessionPolicyMiddleware`` redirects to the step's page), the API (sessions and
personal tokens alike answer 403 with the step's code) and token issuance
(``POST /api/v1/auth/token``) all ask ``blocked_step``; none keeps its own copy of the rules.

A token's ``credential_stamp`` (see ``credential_stamp``) ties it to the password, the second
factor and the roles it was issued under: any change to one of them ends the token, whichever
code path made the change (a service, the management site, a data fix).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .roles import TWO_FACTOR_ROLES, Role

TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"
TWO_FACTOR_REQUIRED = "two_factor_required"
PASSWORD_CHANGE_REQUIRED = "password_change_required"
PASSWORD_EXPIRED = "password_expired"


@dataclass(frozen=True)
class Step:
    """A step the user owes before anything else: a stable code, its page and a Chinese message."""

    code: str
    url_name: str
    message: str


STEPS = {
    TWO_FACTOR_SETUP_REQUIRED: Step(TWO_FACTOR_SETUP_REQUIRED, "accounts:two_factor",
                                    _("该角色须先在网页上开启两步验证。")),
    TWO_FACTOR_REQUIRED: Step(TWO_FACTOR_REQUIRED, "accounts:two_factor",
                              _("请先在网页上完成两步验证。")),
    PASSWORD_CHANGE_REQUIRED: Step(PASSWORD_CHANGE_REQUIRED, "accounts:password_change",
                                   _("首次登录或管理员重置密码后须先修改密码，请在网页上修改密码。")),
    PASSWORD_EXPIRED: Step(PASSWORD_EXPIRED, "accounts:password_change",
                           _("密码已过期，请先在网页上修改密码。")),
}


def needs_two_factor(user) -> bool:
    return settings.GONGZHI_REQUIRE_2FA and bool(user.roles() & TWO_FACTOR_ROLES)


def blocked_step(user, *, second_factor_verified: bool) -> Step | None:
    """The step ``user`` owes before acting, or None when they may act.

    ``second_factor_verified``: this session verified a one-time code, or this token was issued
    (or is being issued) after one. In order: two-factor (set up, then verify), a forced password
    change, an expired password (staff only: residents' passwords do not expire).
    """
    from . import two_factor
    from .services import password_expired

    if needs_two_factor(user) and not second_factor_verified:
        if two_factor.confirmed_device(user) is None:
            return STEPS[TWO_FACTOR_SETUP_REQUIRED]
        return STEPS[TWO_FACTOR_REQUIRED]
    if user.must_change_password and settings.GONGZHI_FORCE_FIRST_PASSWORD_CHANGE:
        return STEPS[PASSWORD_CHANGE_REQUIRED]
    if bool(user.roles() - {Role.RESIDENT}) and password_expired(user):
        return STEPS[PASSWORD_EXPIRED]
    return None


@dataclass(frozen=True)
class Credentials:
    """What a token's authority rests on, read in two queries: role assignments and TOTP devices."""

    roles: tuple
    devices: tuple

    @classmethod
    def of(cls, user) -> Credentials:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .scoping import scope_paths_from

        rows = list(user.role_assignments.values_list("role", "area_id", "area__path", "department_id"))
        roles = tuple(sorted(((role, area, department) for role, area, _path, department in rows),
                             key=lambda r: (r[0], r[1] or 0, r[2] or 0)))
        devices = tuple(sorted(TOTPDevice.objects.filter(user=user, confirmed=True).values_list("pk", "key")))
        # The roles are read here anyway: spare ``user.roles()`` and the data scope their own query.
        user._gongzhi_assignment_rows = [(role, path, dep) for role, _a, path, dep in rows]
        user._gongzhi_scope_paths = scope_paths_from(user, user._gongzhi_assignment_rows)
        return cls(roles=roles, devices=devices)

    def stamp(self, user) -> str:
        """A digest of password, second-factor devices and roles (with their areas/departments).

        Stored on each token when it is issued and compared on every use: a new password, a
        reset or replaced second factor, a role granted, taken away or moved to another area or
        department changes the stamp, and the token stops working (and is marked revoked).
        """
        text = repr((user.pk, user.password, self.devices, self.roles))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def credential_stamp(user) -> str:
    return Credentials.of(user).stamp(user)
