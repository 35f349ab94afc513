from django.db import migrations


class Migration(migrations.Migration):
    """The app's first migration (its tables come in the next ones)."""

    initial = True
    dependencies: list = []
    operations: list = []
