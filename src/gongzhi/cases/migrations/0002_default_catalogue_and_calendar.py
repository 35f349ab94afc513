"""Install the default catalogue and the published holiday arrangements (both editable afterwards)."""

from django.db import migrations


def install(apps, schema_editor):
    from gongzhi.cases import catalogue_default, holidays

    catalogue_default.install(apps.get_model("cases", "Category"))
    day_model = apps.get_model("cases", "CalendarDay")
    for year in (2025, 2026):  # the years published when this was written (now from the holidays package)
        for date, kind, name in holidays.official_entries(year):
            day_model.objects.update_or_create(date=date, defaults={"kind": kind, "name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
