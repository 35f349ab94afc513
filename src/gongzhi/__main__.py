"""`python -m gongzhi <command>`: Django's manage.py for the project (used by ./gz manage)."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings.embedded")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0] or "gz manage", *sys.argv[1:]])


if __name__ == "__main__":
    main()
