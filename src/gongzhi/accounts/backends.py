"""Authentication backend that refuses locked accounts and throttled addresses.

``authenticate`` raises ``LoginRefused`` (carrying the Chinese message) instead of returning
None, so the login page and the token API can tell "locked" from "wrong password". It records
failed passwords; a success is recorded by ``services.sign_in`` only once the one-time code has
passed too, so a known password cannot be used to reset the failure count while guessing codes.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from gongzhi.audit.services import client_ip

from . import lockout


class LoginRefused(Exception):
    """The attempt was refused by the login guard; ``new_lock`` when this very attempt locked it."""

    def __init__(self, state: lockout.GuardState, *, new_lock: bool = False):
        self.state = state
        self.new_lock = new_lock
        super().__init__(lockout.locked_message(state))


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, captcha_passed=False, **kwargs):
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        state = lockout.check(username, ip, captcha_passed=captcha_passed)
        if state.refused:
            raise LoginRefused(state)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            state = lockout.register_failure(username, ip)
            if state.locked:
                raise LoginRefused(state, new_lock=True)
            return None
        return user

    def has_perm(self, user_obj, perm, obj=None):
        # Django model permissions are not used; gongzhi.accounts.roles.MATRIX is the source.
        return False
