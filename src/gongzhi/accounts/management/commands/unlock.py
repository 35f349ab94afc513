from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.accounts.services import unlock_account


class Command(BaseCommand):
    help = "Lift the login lockout of an account (also possible on the account's admin page)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from gongzhi.accounts.models import User

        if not User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("账号不存在：%(u)s") % {"u": username} + f" (no such user: {username})")
        if unlock_account(actor=None, username=username):
            self.stdout.write(_("已解除账号 %(u)s 的登录锁定。") % {"u": username} + f" (unlocked {username})")
        else:
            self.stdout.write(_("账号 %(u)s 当前未被锁定。") % {"u": username} + f" ({username} was not locked)")
