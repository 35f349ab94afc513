"""The one error of backup and restore: its message says what is wrong and what to do."""


class BackupError(Exception):
    """A backup could not be made, or a restore was refused or failed (nothing was changed)."""
