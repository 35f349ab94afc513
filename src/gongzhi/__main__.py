"""`python -m gongzhi <command>`: Django's manage.py for the project (used by ./gz manage)."""
import os
import sys

LONG_RUNNING = {"db_worker", "clock"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings.embedded")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from gongzhi.core.files import restrict_var_dir

    restrict_var_dir(settings.VAR_DIR)  # before anything (the SQLite file, a log, an export) is written
    if len(sys.argv) > 1 and sys.argv[1] in LONG_RUNNING:
        # var/run/<command>-<pid>.pid while it runs: `restore` refuses while one is alive (core/backup/running.py).
        from gongzhi.core.backup.running import pid_file

        pid_file(sys.argv[1])

    execute_from_command_line([sys.argv[0] or "gz manage", *sys.argv[1:]])


if __name__ == "__main__":
    main()
