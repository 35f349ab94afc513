"""Issue an Open311 API key (printed once, as the last line) or revoke one by its prefix."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.cases.errors import DomainError
from gongzhi.cases.models import Open311Key
from gongzhi.cases.open311_keys import PREFIX_LENGTH, issue_open311_key, revoke_open311_key


class Command(BaseCommand):
    help = ("Issue an Open311 (GeoReport v2) API key for a client: `open311_key NAME` prints the key as the "
            "last line, once (only its hash is stored). `open311_key --revoke PREFIX` revokes a key.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the client's name, e.g. the app or organisation using the key")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the key with this prefix (o311_…) instead")

    def handle(self, *args, name=None, revoke=None, **options):
        if revoke:
            self._revoke(revoke.strip().rstrip("…").strip())
            return
        if not name:
            raise CommandError("give the client's NAME to issue a key, or --revoke PREFIX")
        try:
            row, key = issue_open311_key(actor=None, name=name)
        except DomainError as error:
            raise CommandError(f"{error.message} ({error.code})") from None
        self.stdout.write(_("已为“%(name)s”签发 Open311 密钥（前缀 %(prefix)s）。密钥只显示这一次，请立即妥善保存：")
                          % {"name": row.name, "prefix": row.prefix}
                          + f" (issued key {row.prefix}… for {row.name}; shown once, store it now:)")
        self.stdout.write(key)

    def _revoke(self, value: str) -> None:
        if len(value) > PREFIX_LENGTH:  # the whole key was given
            matches = list(Open311Key.objects.filter(key_hash=Open311Key.hash_key(value)))
        else:
            matches = list(Open311Key.objects.filter(prefix=value))
        if not matches:
            raise CommandError(_("没有前缀为 %(p)s 的 Open311 密钥。") % {"p": value} + f" (no key with prefix {value})")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} keys share the prefix {value}; revoke them on the keys page")
        row = matches[0]
        if row.revoked_at is not None:
            self.stdout.write(_("密钥 %(p)s 已于此前吊销。") % {"p": row.prefix} + f" ({row.prefix}… was already revoked)")
            return
        revoke_open311_key(actor=None, key=row)
        self.stdout.write(_("已吊销 Open311 密钥 %(p)s（%(name)s）。") % {"p": row.prefix, "name": row.name}
                          + f" (revoked {row.prefix}… of {row.name})")
