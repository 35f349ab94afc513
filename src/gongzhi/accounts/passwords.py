"""Password rules (等保: complex passwords) with Chinese messages, and the test-speed hasher."""

from __future__ import annotations

import re

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = [
    (re.compile(r"[a-z]"), "lower"),
    (re.compile(r"[A-Z]"), "upper"),
    (re.compile(r"[0-9]"), "digit"),
    (re.compile(r"[^a-zA-Z0-9]"), "symbol"),
]


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's length rule with a Chinese message of our own.

    Django 5.2 changed this message's msgid and its Chinese catalogue has not caught up, so
    Django's validator would answer in English on a Chinese page.
    """

    def get_error_message(self):
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self):
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}


class CharacterClassValidator:
    """At least ``min_classes`` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern, _name in CLASSES if pattern.search(password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotUsernameValidator:
    """The password may not contain the username (case-insensitive)."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError(_("密码不能包含用户名。"), code="password_contains_username")

    def get_help_text(self):
        return _("密码不能包含用户名。")


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with minimal cost: only for the test suite (settings.test)."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
