"""Authentication backend that refuses locked accounts and throttled addresses.

``authenticate`` raises ``LoginRefused`` (carrying the Chinese message) instead of returning
None, so the login page and the token API can tell "locked" from "wrong password".
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from gongzhi.audit.services import client_ip

from . import lockout


class LoginRefused(Exception):
    def __init__(self, state: lockout.GuardState):
        self.state = state
        super().__init__(lockout.locked_message(state))


class GuardedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else None
        state = lockout.check(username, ip)
        if state.refused:
            raise LoginRefused(state)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            state = lockout.register_failure(username, ip)
            if state.locked:
                raise LoginRefused(state)
            return None
        lockout.register_success(username)
        return user

    def has_perm(self, user_obj, perm, obj=None):
        # Django model permissions are not used; gongzhi.accounts.roles.MATRIX is the source.
        return False
