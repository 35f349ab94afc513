from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.services import unlock_account


class Command(BaseCommand):
    help = "Lift the login lockout of an account (also possible on the account's admin page)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from gongzhi.accounts.models import User

        if not User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"no such user: {username}")
        was_locked = unlock_account(actor=None, username=username)
        self.stdout.write(f"unlocked {username}" if was_locked else f"{username} was not locked")
