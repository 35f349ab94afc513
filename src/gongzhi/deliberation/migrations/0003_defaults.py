from django.db import migrations


def ship(apps, schema_editor):
    from gongzhi.deliberation import defaults

    CatalogueItem = apps.get_model("deliberation", "CatalogueItem")
    MemberKind = apps.get_model("deliberation", "MemberKind")
    if not CatalogueItem.objects.exists():
        CatalogueItem.objects.bulk_create(
            [CatalogueItem(kind="may", text=text, order=i) for i, text in enumerate(defaults.MAY, 1)]
            + [CatalogueItem(kind="may_not", text=text, order=i) for i, text in enumerate(defaults.MAY_NOT, 1)])
    for body_kind, names in defaults.MEMBER_KINDS.items():
        for order, name in enumerate(names, 1):
            MemberKind.objects.get_or_create(body_kind=body_kind, name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0002_tables")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
