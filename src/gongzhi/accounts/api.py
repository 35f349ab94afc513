"""API: token issue (same lockout as the login page), the caller's profile and own tokens."""


from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from gongzhi.audit.services import client_ip
from gongzhi.core.api import ApiError, ApiErrorOut

from . import captcha, policy, selectors, services
from .models import ApiToken
from .permissions import user_perms

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None
    captcha_id: str | None = Field(None, description="id of a challenge from POST /api/v1/auth/captcha; needed "
                                                       "only after a 403 `captcha_required`")
    captcha: str | None = Field(None, description="the characters of that challenge's image")


class CaptchaOut(Schema):
    id: str
    image: str = Field(description="PNG image as a data: URI")
    expires: datetime


class TokenOut(Schema):
    token: str
    expires: datetime


class AssignmentOut(Schema):
    role: str
    area: str | None
    department: str | None


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @staticmethod
    def resolve_active(obj: ApiToken) -> bool:
        return obj.is_active


class MeOut(Schema):
    username: str
    real_name: str
    roles: list[str]
    permissions: list[str]
    assignments: list[AssignmentOut]
    home_area: str | None


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ApiErrorOut, 403: ApiErrorOut},
             summary="Issue a personal API token",
             description="Same guard as the login page: 401 `invalid_credentials` (or `otp_required` when the "
                         "account has two-factor set up and `otp` is missing or wrong), 403 `locked` while the "
                         "account is locked; 403 `captcha_required` when the address has failed too often "
                         "(get a challenge from POST /api/v1/auth/captcha and send `captcha_id` and `captcha` "
                         "with the next try; each challenge serves one try); 403 `two_factor_setup_required` for roles "
                         "that must set up two-factor on the web first, `password_change_required` after a "
                         "first sign-in or an administrator's reset, `password_expired` when the password is "
                         "past its maximum age (the same rules as the pages, see accounts.policy).")
def issue_token(request, payload: TokenIn):
    result = services.sign_in(request=request, username=payload.username, password=payload.password,
                              otp=payload.otp or "", channel="token", captcha_key=payload.captcha_id or "",
                              captcha_answer=payload.captcha or "")
    if result.needs_captcha:
        raise ApiError(403, "captcha_required", result.message)
    if result.refused:
        raise ApiError(403, "locked", result.message)
    if result.outcome == services.SIGN_IN_OTP_INVALID:
        raise ApiError(401, "otp_required", _("该账号已开启两步验证，请提供有效的动态验证码（otp）。"))
    if not result.ok:
        raise ApiError(401, "invalid_credentials", result.message)
    step = policy.blocked_step(result.user, second_factor_verified=result.device is not None)
    if step is not None:
        raise ApiError(403, step.code, str(step.message))
    token, key = services.create_api_token(user=result.user, name=_("API 登录"), request=request)
    return {"token": key, "expires": token.expires_at}


@router.post("/auth/captcha", auth=None, response={200: CaptchaOut, 429: ApiErrorOut},
             summary="An image challenge (图形验证码)",
             description="Needed by `POST /api/v1/auth/token` after it answered 403 `captcha_required`: show "
                         "`image` to the person, send its characters as `captcha` with `captcha_id`. Valid for "
                         "5 minutes and one try. 429 `throttled` past 300 challenges from one address in 5 minutes.")
def new_captcha(request):
    try:
        challenge = captcha.new_challenge(client_ip(request))
    except captcha.CaptchaThrottled:
        raise ApiError(429, "throttled", _("图形验证码请求过于频繁，请 5 分钟后再试。")) from None
    return {"id": challenge.key, "image": challenge.data_uri, "expires": challenge.expires_at}


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


@router.get("/me/tokens", response=list[ApiTokenOut], summary="The caller's personal API tokens")
def my_tokens(request):
    return selectors.tokens_of(request.user)


@router.post("/me/tokens/{token_id}/revoke", response=ApiTokenOut, summary="Revoke one of the caller's tokens")
def revoke_my_token(request, token_id: int):
    try:
        return services.revoke_api_token(user=request.user, token_id=token_id, request=request)
    except ApiToken.DoesNotExist:
        raise Http404 from None
