import django.db.models.deletion
from django.db import migrations, models

# Two indexes that carry the person's id, so that PostgreSQL answers from the index alone: the name
# order (a walked page tests persons without reading their rows) and a house's residents (a search
# by address). The new indexes are built before the old ones go; the house foreign key's own index
# is dropped by name (an AlterField would make SQLite copy the whole table, and a copy loses the
# table's triggers, which keep the trigram index).


def _house_fk_index(schema_editor) -> str:
    return schema_editor._create_index_name("registry_person", ["house_id"], suffix="")


def drop_house_fk_index(apps, schema_editor) -> None:
    schema_editor.execute(f'DROP INDEX IF EXISTS "{_house_fk_index(schema_editor)}"')


def create_house_fk_index(apps, schema_editor) -> None:
    schema_editor.execute(f'CREATE INDEX "{_house_fk_index(schema_editor)}" ON "registry_person" ("house_id")')


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0001_initial'),
        ('registry', '0011_person_fts_watermark'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['name_pinyin', 'id'], name='registry_person_pinyin_id'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['house', 'id'], name='registry_person_house_id'),
        ),
        migrations.RemoveIndex(
            model_name='person',
            name='registry_person_pinyin',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='person',
                    name='house',
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL,
                                            related_name='residents', to='registry.house', verbose_name='房屋'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_house_fk_index, create_house_fk_index)],
        ),
    ]
