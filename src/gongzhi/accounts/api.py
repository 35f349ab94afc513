"""API: token issue (same lockout as the login page) and the caller's profile."""


from datetime import datetime

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongzhi.audit.services import record
from gongzhi.core.api import ApiError

from . import lockout, services, two_factor
from .backends import LoginRefused
from .middleware import needs_two_factor
from .permissions import user_perms

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires: datetime


class ErrorOut(Schema):
    detail: str
    code: str


class AssignmentOut(Schema):
    role: str
    area: str | None
    department: str | None


class MeOut(Schema):
    username: str
    real_name: str
    roles: list[str]
    permissions: list[str]
    assignments: list[AssignmentOut]
    home_area: str | None


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut},
             summary="Issue a personal API token")
def issue_token(request, payload: TokenIn):
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except LoginRefused as refused:
        record(actor=None, actor_name=payload.username[:150], action="token.refused", success=False, request=request)
        raise ApiError(403, "locked", str(refused)) from None
    if user is None:
        record(actor=None, actor_name=payload.username[:150], action="token.failure", success=False, request=request)
        raise ApiError(401, "invalid_credentials", _("用户名或密码错误。"))
    device = two_factor.confirmed_device(user)
    if device is not None and not two_factor.verify(device, payload.otp or ""):
        lockout.register_failure(payload.username, None)
        raise ApiError(401, "otp_required", _("该账号已开启两步验证，请提供有效的动态验证码（otp）。"))
    if device is None and needs_two_factor(user):
        raise ApiError(403, "two_factor_setup_required", _("该角色须先在网页上开启两步验证。"))
    token, key = services.create_api_token(user=user, name=_("API 登录"), request=request)
    return {"token": key, "expires": token.expires_at}


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request):
    user = request.user
    assignments = list(user.role_assignments.select_related("area", "department"))
    return {
        "username": user.username,
        "real_name": user.real_name,
        "roles": sorted({a.role for a in assignments}),
        "permissions": sorted(user_perms(user)),
        "assignments": [{"role": a.role, "area": a.area.code if a.area_id else None,
                         "department": a.department.code if a.department_id else None} for a in assignments],
        "home_area": user.home_area.code if user.home_area_id else None,
    }
